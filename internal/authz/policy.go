package authz

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"homeward/policies"
)

// decision is one (role, section, action) request.
type decision struct {
	role    Role
	section Section
	action  Action
}

// Policy is the loaded Casbin matrix. Every (role, section, action) decision
// is computed with Casbin once, at load, so Allowed is a map lookup: Casbin's
// Enforce scans the policy lines on every call. A Policy is read-only after
// LoadPolicy and safe for concurrent use by Allowed.
type Policy struct {
	enforcer *casbin.Enforcer
	allowed  map[decision]struct{}
	// inherits holds the "g, role, parent" lines, in file order.
	inherits [][2]Role
}

// LoadPolicy loads the matrix embedded from the policies package
// (model.conf and policy.csv). It fails on a line naming an unknown role,
// section or action, or a duplicated line, so a typo cannot become a silent
// dead grant.
func LoadPolicy() (*Policy, error) {
	return loadPolicy(policies.Model, policies.Policy)
}

// loadPolicy builds a Policy from model and policy text.
func loadPolicy(modelText, policyText string) (*Policy, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("authz: parse model: %w", err)
	}
	grants, inherits, err := parsePolicy(policyText)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("authz: new enforcer: %w", err)
	}
	if len(grants) > 0 {
		if _, err := e.AddPolicies(grants); err != nil {
			return nil, fmt.Errorf("authz: add policy lines: %w", err)
		}
	}
	p := &Policy{enforcer: e, allowed: make(map[decision]struct{})}
	if len(inherits) > 0 {
		if _, err := e.AddGroupingPolicies(inherits); err != nil {
			return nil, fmt.Errorf("authz: add grouping lines: %w", err)
		}
		for _, g := range inherits {
			p.inherits = append(p.inherits, [2]Role{Role(g[0]), Role(g[1])})
		}
	}
	for _, r := range AllRoles {
		for _, s := range AllSections {
			for _, a := range AllActions {
				ok, err := p.Enforce(string(r), string(s), string(a))
				if err != nil {
					return nil, err
				}
				if ok {
					p.allowed[decision{r, s, a}] = struct{}{}
				}
			}
		}
	}
	return p, nil
}

// parsePolicy reads policy.csv text into grant lines (role, section, action)
// and grouping lines (role, parent), checking every name.
func parsePolicy(text string) (grants, inherits [][]string, err error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	seen := make(map[string]int)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("authz: read policy: %w", err)
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		key := strings.Join(rec, ",")
		if first, dup := seen[key]; dup {
			return nil, nil, fmt.Errorf("authz: policy line %d repeats line %d", line, first)
		}
		seen[key] = line
		if err := checkPolicyLine(rec); err != nil {
			return nil, nil, fmt.Errorf("authz: policy line %d: %w", line, err)
		}
		switch rec[0] {
		case "p":
			grants = append(grants, rec[1:])
		case "g":
			inherits = append(inherits, rec[1:])
		}
	}
	return grants, inherits, nil
}

// checkPolicyLine checks one record's kind, arity and names.
func checkPolicyLine(rec []string) error {
	switch rec[0] {
	case "p":
		if len(rec) != 4 {
			return fmt.Errorf("want p, role, section, action; got %d fields", len(rec))
		}
		if !knownRole(rec[1]) {
			return fmt.Errorf("unknown role %q", rec[1])
		}
		if !knownSection(rec[2]) {
			return fmt.Errorf("unknown section %q", rec[2])
		}
		if !knownAction(rec[3]) {
			return fmt.Errorf("unknown action %q", rec[3])
		}
	case "g":
		if len(rec) != 3 {
			return fmt.Errorf("want g, role, parent; got %d fields", len(rec))
		}
		for _, name := range rec[1:] {
			if !knownRole(name) {
				return fmt.Errorf("unknown role %q", name)
			}
		}
		if rec[1] == rec[2] {
			return fmt.Errorf("role %q inherits itself", rec[1])
		}
	default:
		return fmt.Errorf("unknown line kind %q", rec[0])
	}
	return nil
}

// Allowed reports whether role may take action on section. It is a map
// lookup; an unknown role, section or action, or a nil Policy, is refused.
func (p *Policy) Allowed(role Role, s Section, a Action) bool {
	if p == nil {
		return false
	}
	_, ok := p.allowed[decision{role, s, a}]
	return ok
}

// Enforce is the raw Casbin decision, computed by scanning the policy lines.
// Services use Allowed; Enforce exists to check and benchmark the
// precomputed decisions against Casbin.
func (p *Policy) Enforce(role, section, action string) (bool, error) {
	ok, err := p.enforcer.Enforce(role, section, action)
	if err != nil {
		return false, fmt.Errorf("authz: enforce %s %s %s: %w", role, section, action, err)
	}
	return ok, nil
}
