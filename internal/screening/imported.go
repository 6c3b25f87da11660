package screening

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/store"
)

// ImportedInterviewer names the interviewer of a screening a bulk import recorded from a file.
const ImportedInterviewer = "HTCDS import"

// ImportedLanguage is the language of such a screening: undetermined (BCP 47 "und").
const ImportedLanguage = "und"

// Imported is the screening a bulk import read for one new case: the indicators present.
type Imported struct {
	CaseID  string
	Present []string
}

// RecordImported records, in tx (the import's transaction, which has checked the screening write
// right), the screenings of new cases read from a file: dated today, interviewer ImportedInterviewer,
// the indicators given present and every other unknown, no narrative or note. Each is audited as a
// screening record with its source.
func RecordImported(tx *gorm.DB, st *store.Store, a *authz.Actor, now time.Time, list []Imported) error {
	if len(list) == 0 {
		return nil
	}
	if err := a.Require(authz.SectionScreening, authz.ActionWrite); err != nil {
		return err
	}
	screenings := make([]*Screening, 0, len(list))
	var answers []Answer
	entries := make([]audit.Entry, 0, len(list))
	for _, im := range list {
		in := Input{InterviewDate: now.Format("2006-01-02"), Interviewer: ImportedInterviewer, Language: ImportedLanguage}
		for _, code := range im.Present {
			in.Indicators = append(in.Indicators, AnswerInput{Indicator: code, Answer: AnswerPresent})
		}
		cl, err := in.clean(now)
		if err != nil {
			return fmt.Errorf("imported screening: %w", err)
		}
		sc := &Screening{ID: uuid.Must(uuid.NewV7()).String(), CaseID: im.CaseID, InterviewDate: cl.date,
			Interviewer: in.Interviewer, Language: in.Language, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
		if sc.NarrativeEnc, err = st.Keys.SealString(fieldNarrative, sc.ID, ""); err != nil {
			return err
		}
		rows, _, err := rows(st, sc.ID, cl)
		if err != nil {
			return err
		}
		screenings, answers = append(screenings, sc), append(answers, rows...)
		entries = append(entries, audit.ByActor(a, audit.ScreeningRecord, "case", im.CaseID,
			map[string]any{"version": 1, "present": len(im.Present), "events": 0, "source": "import"}))
	}
	if err := tx.CreateInBatches(screenings, 500).Error; err != nil {
		return fmt.Errorf("insert imported screenings: %w", err)
	}
	if err := tx.CreateInBatches(answers, 1000).Error; err != nil {
		return fmt.Errorf("insert imported indicators: %w", err)
	}
	return audit.AppendMany(tx, now, entries)
}
