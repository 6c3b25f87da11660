package jointreport

import "homeward/internal/smallcell"

// The joint report publishes its counts through package smallcell; these names keep its API.
type (
	// Cell is a published count (smallcell.Cell).
	Cell = smallcell.Cell
	// Grid is a table of counts with its margins (smallcell.Grid).
	Grid = smallcell.Grid
)

// Markers and threshold of the small-cell rule.
const (
	SmallCell  = smallcell.SmallCell
	Suppressed = smallcell.Suppressed
	Hidden     = smallcell.Hidden
)

// NewGrid, Suppress, SuppressLinked and Recoverable are those of package smallcell.
var (
	NewGrid        = smallcell.NewGrid
	Suppress       = smallcell.Suppress
	SuppressLinked = smallcell.SuppressLinked
	Recoverable    = smallcell.Recoverable
)
