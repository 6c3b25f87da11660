package seedscale

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"homeward/internal/audit"
)

// groupColumns are the columns of seed_groups, the store's nationality groups and their names.
var groupColumns = []string{"gi", "nationality", "male", "female", "family", "no_family", "amale", "afemale", "afamily", "langs",
	"lang0", "doc_prefix", "doc_digits", "phone"}

// stageGroups copies the store's groups into seed_groups and returns the thresholds that
// width_bucket maps a uniform draw to a group with (group i+1 from thresholds[i] on).
func stageGroups(ctx context.Context, tx pgx.Tx, country string) ([]float64, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE seed_groups (gi int PRIMARY KEY, nationality text, male text[], female text[],
  family text[], no_family int, amale text[], afemale text[], afamily text[], langs text[], lang0 text, doc_prefix text,
  doc_digits int, phone text) ON COMMIT DROP`); err != nil {
		return nil, fmt.Errorf("seedscale: groups: %w", err)
	}
	groups := groupsFor(country)
	total := 0
	for _, g := range groups {
		total += g.weight
	}
	rows := make([][]any, len(groups))
	thresholds := make([]float64, len(groups))
	sum := 0
	for i, g := range groups {
		thresholds[i] = float64(sum) / float64(total)
		sum += g.weight
		langs := make([]string, len(g.languages))
		for j, l := range g.languages {
			langs[j] = strings.Join(l, ",")
		}
		var am, af, afam []string
		if a := g.names.alias; a != nil {
			am, af, afam = a.male, a.female, a.family
		}
		rows[i] = []any{int32(i + 1), g.nationality, g.names.male, g.names.female, g.names.family, int32(g.names.noFamily), am, af, afam,
			langs, g.languages[0][0], g.docPrefix, int32(g.docDigits), g.phone}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"seed_groups"}, groupColumns, pgx.CopyFromRows(rows)); err != nil {
		return nil, fmt.Errorf("seedscale: groups: %w", err)
	}
	return thresholds, nil
}

// stageRows draws every row of the fill into the staging tables (stage.go, stage_rows.go).
func stageRows(ctx context.Context, tx pgx.Tx, country string, dir Directory, opt Options, refBase int64, ops []uuid.UUID, stats *Stats) error {
	thresholds, err := stageGroups(ctx, tx, country)
	if err != nil {
		return err
	}
	var salt [8]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return fmt.Errorf("seedscale: salt: %w", err)
	}
	if err := createV7(ctx, tx, int64(binary.BigEndian.Uint64(salt[:]))); err != nil {
		return err
	}
	welfare, police := dir.Welfare, dir.Police
	steps := []struct {
		name string
		sql  string
		args []any
	}{
		{"persons", stagePersonsSQL(), []any{0, opt.Persons, opt.Persons, opt.Now, opt.Span.Seconds(), refBase, country, ops,
			welfare.ID, welfare.Workers, welfare.Supervisors, police.ID, police.Workers, police.Supervisors, thresholds, relations, urgentNeeds}},
		{"screenings", screeningsSQL, []any{welfare.Workers, interviewers, lures, compounds, tasks}},
		{"decisions", decisionsSQL, []any{opt.Now, welfare.Workers, welfare.Supervisors, legalBases}},
		{"packets", packetsSQL, []any{welfare.Workers}},
	}
	for _, s := range steps {
		done := stats.phase("stage " + s.name)
		if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("seedscale: stage %s: %w", s.name, err)
		}
		done()
	}
	return nil
}

// auditArgs are the parameters of auditRowsSQL.
func auditArgs(welfare Agency, seq string) []any {
	return []any{welfare.ID,
		audit.CaseIntake.Name(), string(audit.CaseIntake.Section()), audit.CaseTransition.Name(), string(audit.CaseTransition.Section()),
		audit.ScreeningRecord.Name(), string(audit.ScreeningRecord.Section()),
		audit.IdentificationPropose.Name(), string(audit.IdentificationPropose.Section()),
		audit.IdentificationApprove.Name(), string(audit.IdentificationApprove.Section()),
		audit.PacketPrepare.Name(), string(audit.PacketPrepare.Section()), seq}
}

// insertRows writes the final rows from the staging tables and the seal passes' ciphertexts.
func insertRows(ctx context.Context, tx pgx.Tx, dir Directory, stats *Stats) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE seed_cases (id uuid) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("seedscale: %w", err)
	}
	for _, s := range []struct {
		table string
		sql   string
		args  []any
	}{
		{"persons", insertPersonsSQL, nil},
		{"cases", insertCasesSQL, nil},
		{"case_team", insertTeamSQL, []any{dir.Police.ID}},
		{"stage_changes", insertStageChangesSQL, nil},
		{"screenings", insertScreeningsSQL, nil},
		{"screening_indicators", insertIndicatorsSQL, []any{indicators, channels}},
		{"identification_decisions", insertDecisionsSQL, nil},
		{"case_packets", insertPacketsSQL, nil},
		{"seed_cases", insertSeedCasesSQL, nil},
	} {
		done := stats.phase("insert " + s.table)
		tag, err := tx.Exec(ctx, s.sql, s.args...)
		done()
		if err != nil {
			return fmt.Errorf("seedscale: insert %s: %w", s.table, err)
		}
		if s.table != "seed_cases" {
			stats.Rows[s.table] += int(tag.RowsAffected())
		}
	}
	return nil
}
