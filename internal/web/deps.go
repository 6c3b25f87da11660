package web

import (
	"errors"
	"fmt"
	"reflect"

	"homeward/internal/attachments"
	"homeward/internal/closure"
	"homeward/internal/complaints"
	"homeward/internal/crossmatch"
	"homeward/internal/exports"
	"homeward/internal/handover"
	"homeward/internal/imports"
	"homeward/internal/investigation"
	"homeward/internal/jobs"
	"homeward/internal/jointreport"
	"homeward/internal/notes"
	"homeward/internal/operations"
	"homeward/internal/reintegration"
	"homeward/internal/repatriation"
	"homeward/internal/reports"
	"homeward/internal/screening"
	"homeward/internal/services"
)

// Services are the domain services of the areas, built once by the composition root
// (internal/app) and handed to the server: web builds no service of its own.
type Services struct {
	Operations    *operations.Service
	Imports       *imports.Service
	Screening     *screening.Service
	Investigation *investigation.Service
	Notes         *notes.Service
	Attachments   *attachments.Service
	Repatriation  *repatriation.Service
	Handover      *handover.Service
	Support       *services.Service
	Reintegration *reintegration.Service
	Closure       *closure.Service
	Reports       *reports.Service
	JointReport   *jointreport.Service
	Complaints    *complaints.Service
	Exports       *exports.Service
	Linkage       *crossmatch.Service
	Jobs          *jobs.Failures // the failed background jobs, for the country admins
}

// errMissing names a dependency the composition root did not give.
var errMissing = errors.New("web: missing dependency")

// checkDeps refuses a server missing any service or mechanism: there are no fallbacks, so a
// service built without its hooks can never stand in for the wired one.
func checkDeps(d Deps) error {
	for _, v := range []reflect.Value{reflect.ValueOf(d), reflect.ValueOf(d.Services)} {
		t := v.Type()
		for i := range t.NumField() {
			f := v.Field(i)
			if f.Kind() == reflect.Pointer && f.IsNil() {
				return fmt.Errorf("%w: %s", errMissing, t.Field(i).Name)
			}
		}
	}
	return nil
}
