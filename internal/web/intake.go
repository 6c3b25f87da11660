package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/cases"
	"homeward/internal/problem"
)

// intakePage is the intake form: empty, re-shown with messages (422), or re-shown with the possible
// duplicates the store holds (200), asking the worker to link to one or confirm a new person.
type intakePage struct {
	Base
	In         cases.IntakeInput
	Age        string // as typed
	Aliases    string // as typed, one per line
	Docs       []docChoice
	Errors     map[string]string // field -> translated message
	Sexes      []string
	Duplicates []cases.Duplicate
}

// intakeFields are the intake form's fields in the order it shows them, for its error summary.
var intakeFields = []string{"given_name:person.given_name", "family_name:person.family_name", "aliases:intake.aliases",
	"sex:person.sex", "birth_date:person.birth_date", "age_estimate:person.age_estimate", "nationality:person.nationality",
	"languages:person.languages", "document_number:person.document_number", "documents_held#documents:intake.documents",
	"documents_missing#documents:intake.documents", "contact:person.contact", "urgent_needs:intake.urgent_needs"}

// Summary is the form's error summary: every message, linked to its field.
func (p intakePage) Summary() ErrorSummary {
	return errorSummary(p.L, p.L.T("form.fix_errors"), p.Errors, intakeFields...)
}

// docChoice is one kind of document on the form: held (with a number) or missing.
type docChoice struct {
	Kind, Label, Number string
	Held, Missing       bool
}

func (s *Server) intakeForm(c echo.Context) error {
	in := cases.IntakeInput{OperationID: c.QueryParam("operation_id")}
	return s.render(c, http.StatusOK, "case_new", s.intakeView(c, in, "", ""))
}

// intake registers a person from the form. Unless the worker has already answered, it first looks
// for possible duplicates and, when there are any, shows them instead of registering: the worker
// opens a case for the existing person (link_person_id) or confirms a new one (confirm_new).
func (s *Server) intake(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if link := strings.TrimSpace(c.FormValue("link_person_id")); link != "" {
		cs, _, err := s.Cases.LinkCase(ctx, a, link)
		if err != nil {
			return err
		}
		return s.done(c, "/cases/"+cs.ID, "flash.case_linked")
	}
	in, age, formErr := readIntakeForm(c)
	err := s.Cases.Validate(in)
	if err == nil && len(formErr) == 0 && c.FormValue("confirm_new") != "on" {
		dups, derr := s.Cases.PossibleDuplicates(ctx, a, in)
		if derr != nil {
			return derr
		}
		if len(dups) > 0 {
			v := s.intakeView(c, in, age, c.FormValue("aliases"))
			v.Duplicates = dups
			return s.render(c, http.StatusOK, "case_new", v)
		}
	}
	if err == nil && len(formErr) == 0 {
		var cs *cases.Case
		if _, cs, err = s.Cases.Intake(ctx, a, in); err == nil {
			return s.done(c, "/cases/"+cs.ID, "flash.case_created")
		}
	}
	inv, ok := problem.AsInvalid(err)
	if err != nil && !ok {
		return err
	}
	v := s.intakeView(c, in, age, c.FormValue("aliases"))
	if inv != nil {
		for f, key := range inv.Fields {
			v.Errors[f] = v.L.T(key)
		}
	}
	for f, key := range formErr {
		v.Errors[f] = v.L.T(key)
	}
	return s.render(c, http.StatusUnprocessableEntity, "case_new", v)
}

// readIntakeForm reads the form into an intake, with the messages of fields that cannot be read.
func readIntakeForm(c echo.Context) (in cases.IntakeInput, age string, formErr map[string]string) {
	in = cases.IntakeInput{
		GivenName: c.FormValue("given_name"), FamilyName: c.FormValue("family_name"), Sex: c.FormValue("sex"),
		BirthDate: c.FormValue("birth_date"), Nationality: c.FormValue("nationality"),
		DocumentNumber: c.FormValue("document_number"), Contact: c.FormValue("contact"),
		Languages: splitList(c.FormValue("languages")), Minor: c.FormValue("minor") == "on",
		OperationID: c.FormValue("operation_id"), Aliases: strings.Split(c.FormValue("aliases"), "\n"),
		UrgentNeeds: c.FormValue("urgent_needs"),
	}
	for _, kind := range cases.DocumentKinds {
		number := c.FormValue("doc_number_" + kind)
		if c.FormValue("doc_held_"+kind) == "on" || strings.TrimSpace(number) != "" {
			in.DocumentsHeld = append(in.DocumentsHeld, cases.HeldDocument{Kind: kind, Number: number})
		}
		if c.FormValue("doc_missing_"+kind) == "on" {
			in.DocumentsMissing = append(in.DocumentsMissing, kind)
		}
	}
	formErr = map[string]string{}
	age = strings.TrimSpace(c.FormValue("age_estimate"))
	if age != "" {
		if n, err := strconv.Atoi(age); err == nil {
			in.AgeEstimate = &n
		} else {
			formErr["age_estimate"] = "form.error.number"
		}
	}
	return in, age, formErr
}

// intakeView builds the form's view model from the input as typed.
func (s *Server) intakeView(c echo.Context, in cases.IntakeInput, age, aliases string) intakePage {
	v := intakePage{Base: s.base(c), In: in, Age: age, Aliases: aliases, Sexes: cases.Sexes, Errors: map[string]string{}}
	for _, kind := range cases.DocumentKinds {
		d := docChoice{Kind: kind, Label: v.L.T("intake.doc." + kind)}
		for _, h := range in.DocumentsHeld {
			if h.Kind == kind {
				d.Held, d.Number = true, h.Number
			}
		}
		for _, m := range in.DocumentsMissing {
			d.Missing = d.Missing || m == kind
		}
		v.Docs = append(v.Docs, d)
	}
	return v
}
