// Package policies holds Homeward's reviewed access-control matrix: the
// Casbin model, the policy lines and the rendered matrix (MATRIX.md).
// They are embedded so the binary and the tests read the same text.
package policies

import _ "embed"

// Model is the text of model.conf: RBAC over (role, section, action)
// requests with role inheritance.
//
//go:embed model.conf
var Model string

// Policy is the text of policy.csv: the grants ("p, role, section, action")
// and inheritance lines ("g, role, parent") of the matrix.
//
//go:embed policy.csv
var Policy string
