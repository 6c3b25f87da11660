package app

import (
	"homeward/internal/handover"
	"homeward/internal/services"
)

// registerKinds is the one registry of packet kinds: each kind is one exchange.Plugin value
// declared beside its domain code (its Spec and its batch-shaped hooks), registered here once.
// docs/packets.md renders exactly these (TestDocsFile, TestEveryKindRegistered).
func (a *App) registerKinds(ho *handover.Service) {
	a.Exchange.Register(
		a.Repatriation.Plugin(), // a store agency asks an embassy to help return a person
		services.Plugin(),       // a store agency refers a person to an NGO
		ho.Plugin(),             // one country hands a person over to the other's store
		a.Linkage.Plugin(),      // a supervisor asks the other country whether a possible match is the same person
	)
	// The hub effects the kinds' steps carry through the outbox.
	ho.RegisterEffects(a.Exchange)
	a.Linkage.SendThrough(a.Exchange)
}
