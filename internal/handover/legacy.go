package handover

import "homeward/internal/sealed"

// fieldReceivedBasis is the vault field of the legal basis of a recognised decision as received
// (received_handovers.legal_basis_enc); the row is the new case's id.
const fieldReceivedBasis = "received_handovers.legal_basis"

// Legacy is the received legal basis column sealed by migration 00018: sealed.Legacy seals the
// values that earlier versions stored in clear.
var Legacy = []sealed.Column{{Table: "received_handovers", Key: "case_id", Clear: "legal_basis", Sealed: "legal_basis_enc",
	Field: fieldReceivedBasis}}
