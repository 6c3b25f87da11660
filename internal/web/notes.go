package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/notes"
	"homeward/internal/problem"
)

// noteHandlers serve the notes of a case.
type noteHandlers struct {
	s   *Server
	svc *notes.Service
}

// noteView is a note as the page shows it: its lines (shown as text) and its author's name.
type noteView struct {
	notes.Note
	Lines    []string
	Author   string
	Editing  bool // the edit form is open on this note
	Editable bool
}

// noteGroup is the notes of one class, newest first.
type noteGroup struct {
	Class notes.Class
	Label string
	Notes []noteView
}

// noteEdit is the open edit form: what the user typed, at which version, and the stored body when a
// stale edit was refused.
type noteEdit struct {
	ID, Body, Error string
	Version         int
	Current         []string // the body as stored now, after a conflict
}

// notesPage is the view model of notes.html.
type notesPage struct {
	Base
	Tabs       caseTabs
	List       *notes.List
	Groups     []noteGroup
	AddClasses []sectionOption
	In         notes.Input // the add form
	Errors     map[string]string
	Error      string
	Edit       *noteEdit
}

// render shows the notes; in and errs fill the add form, edit the open edit form.
func (h noteHandlers) render(c echo.Context, status int, l *notes.List, in notes.Input, errs map[string]string, msg string, edit *noteEdit) error {
	b := h.s.base(c)
	v := notesPage{Base: b, Tabs: tabsFor(c, l.CaseID, "/notes"), List: l, In: in, Errors: errs, Error: msg, Edit: edit}
	names := h.authorNames(c, l.Notes)
	for _, class := range l.Readable {
		g := noteGroup{Class: class, Label: b.L.T("note.class." + string(class))}
		for _, n := range l.Of(class) {
			g.Notes = append(g.Notes, noteView{Note: n, Lines: strings.Split(n.Body, "\n"), Author: names[n.AuthorID],
				Editing: edit != nil && edit.ID == n.ID, Editable: slices.Contains(l.Writable, class)})
		}
		v.Groups = append(v.Groups, g)
	}
	for _, class := range l.Writable {
		v.AddClasses = append(v.AddClasses, sectionOption{Value: string(class), Label: b.L.T("note.class." + string(class)),
			Selected: class == in.Class})
	}
	return h.s.render(c, status, "notes", v)
}

// authorNames resolves the names of the notes' authors; an author no longer in the directory has none.
func (h noteHandlers) authorNames(c echo.Context, ns []notes.Note) map[string]string {
	out := map[string]string{}
	for _, n := range ns {
		if _, done := out[n.AuthorID]; done {
			continue
		}
		out[n.AuthorID] = ""
		if u, err := h.s.Directory.User(c.Request().Context(), n.AuthorID); err == nil {
			out[n.AuthorID] = u.Name
		}
	}
	return out
}

// page lists the notes; ?edit=<note id> opens the edit form on one of them.
func (h noteHandlers) page(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	var edit *noteEdit
	if id := c.QueryParam("edit"); id != "" {
		for _, n := range l.Notes {
			if n.ID == id && slices.Contains(l.Writable, n.Class) {
				edit = &noteEdit{ID: n.ID, Body: n.Body, Version: n.Version}
			}
		}
	}
	return h.render(c, http.StatusOK, l, notes.Input{}, nil, "", edit)
}

func (h noteHandlers) add(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	in := notes.Input{Class: notes.Class(c.FormValue("class")), Body: c.FormValue("body")}
	_, err := h.svc.Add(ctx, a, id, in)
	if err == nil {
		return h.s.done(c, "/cases/"+id+"/notes", "flash.note_added")
	}
	inv, ok := problem.AsInvalid(err)
	if !ok {
		return err
	}
	l, lerr := h.svc.List(ctx, a, id)
	if lerr != nil {
		return lerr
	}
	loc := localizerOf(c)
	errs := map[string]string{}
	for f, key := range inv.Fields {
		errs[f] = loc.T(key)
	}
	return h.render(c, http.StatusUnprocessableEntity, l, in, errs, loc.T("form.fix_errors"), nil)
}

// update saves an edited note; a refused edit shows the page again with the edit form open, keeping
// what the user typed, and after a conflict the body as it is stored now.
func (h noteHandlers) update(c echo.Context) error {
	ctx, a, id, nid := c.Request().Context(), actorOf(c), c.Param("id"), c.Param("nid")
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := notes.Input{Body: c.FormValue("body"), Version: version, CaseID: id}
	n, err := h.svc.Update(ctx, a, nid, in)
	if err == nil {
		return h.s.done(c, "/cases/"+n.CaseID+"/notes#note-"+n.ID, "flash.note_updated")
	}
	status, _ := classify(err)
	if status != http.StatusConflict && status != http.StatusUnprocessableEntity {
		return err
	}
	l, lerr := h.svc.List(ctx, a, id)
	if lerr != nil {
		return lerr
	}
	loc := localizerOf(c)
	edit := &noteEdit{ID: nid, Body: in.Body, Version: in.Version}
	for _, cur := range l.Notes {
		if cur.ID != nid {
			continue
		}
		if inv, ok := problem.AsInvalid(err); ok {
			edit.Error = loc.T(inv.Fields["body"])
			return h.render(c, status, l, notes.Input{}, nil, loc.T("form.fix_errors"), edit)
		}
		edit.Version, edit.Current = cur.Version, strings.Split(cur.Body, "\n")
		return h.render(c, status, l, notes.Input{}, nil, loc.T("error.conflict"), edit)
	}
	return echo.ErrNotFound // the note left the list meanwhile
}

// noteListJSON is the body of GET /api/v1/cases/{id}/notes.
type noteListJSON struct {
	Items    []notes.Note  `json:"items"`
	Readable []notes.Class `json:"readable_classes"`
	Writable []notes.Class `json:"writable_classes"`
}

func (h noteHandlers) apiList(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	body := noteListJSON{Items: l.Notes, Readable: l.Readable, Writable: l.Writable}
	if body.Writable == nil {
		body.Writable = []notes.Class{}
	}
	return c.JSON(http.StatusOK, body)
}

// noteAddRequest is the body of POST /api/v1/cases/{id}/notes.
type noteAddRequest struct {
	Class notes.Class `json:"class"`
	Body  string      `json:"body"`
}

// noteUpdateRequest is the body of PUT /api/v1/notes/{id}: the class of a note never changes.
type noteUpdateRequest struct {
	Body    string `json:"body"`
	Version int    `json:"version"`
}

func (h noteHandlers) apiAdd(c echo.Context) error {
	var in noteAddRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := h.svc.Add(c.Request().Context(), actorOf(c), c.Param("id"), notes.Input{Class: in.Class, Body: in.Body})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, n)
}

func (h noteHandlers) apiUpdate(c echo.Context) error {
	var in noteUpdateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := h.svc.Update(c.Request().Context(), actorOf(c), c.Param("nid"), notes.Input{Body: in.Body, Version: in.Version})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

// Errors is the edit form's messages by field, for its error marks.
func (e noteEdit) Errors() map[string]string { return map[string]string{"body": e.Error} }

// ErrorSummary is the summary of the form that failed: a note's edit, else the add form.
func (v notesPage) ErrorSummary() ErrorSummary {
	if v.Edit != nil && v.Edit.Error != "" {
		return formSummary(v.L, v.Error, v.Edit.Errors(), "body#body-"+v.Edit.ID+":note.body")
	}
	return formSummary(v.L, v.Error, v.Errors, "class:note.class_label", "body:note.body")
}
