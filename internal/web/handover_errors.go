package web

// The error summaries of the handover forms, each message linked to the field it concerns.

// ErrorSummary is the summary of the new-batch form: the envelope's fields, then the persons (a
// missing choice links to the first person offered, a person's own message to that person).
func (v handoverFormPage) ErrorSummary() ErrorSummary {
	errs := make(map[string]string, len(v.Errors))
	for f, m := range v.Errors {
		errs[f] = m
	}
	order := []string{"recipient:handover.field.recipient", "checkpoint:handover.field.checkpoint",
		"handover_at:handover.field.handover_at", "sending_officials:handover.field.sending_officials",
		"override:handover.field.override", "persons#" + v.FirstCandidate() + ":handover.persons"}
	for _, cd := range v.Candidates {
		if cd.Error != "" {
			errs["case_"+cd.CaseID] = cd.Error
			order = append(order, "case_"+cd.CaseID)
		}
	}
	return formSummary(v.L, v.Error, errs, order...)
}

// FirstCandidate is the id of the first person's checkbox, where a missing choice of persons leads.
func (v handoverFormPage) FirstCandidate() string {
	if len(v.Candidates) == 0 {
		return "error-summary"
	}
	return "case_" + v.Candidates[0].CaseID
}

// AcceptTarget is the packet of the first person waiting for an answer, whose accept box a
// missing choice leads to.
func (v handoverBatchPage) AcceptTarget() string {
	for _, p := range v.Persons {
		if p.Pending {
			return p.PacketID
		}
	}
	return ""
}

// DeclineTarget is the packet of the first person declined without a reason (else the first one
// declined), whose reason field a decline's message leads to.
func (v handoverBatchPage) DeclineTarget() string {
	first := ""
	for _, p := range v.Persons {
		if !p.Pending || p.Accept {
			continue
		}
		if p.Reason == "" {
			return p.PacketID
		}
		if first == "" {
			first = p.PacketID
		}
	}
	return first
}

// ErrorSummary is the summary of the answer form: the officials, the persons accepted and
// declined, the confirmation; a stale approval's message links to the summary itself.
func (v handoverBatchPage) ErrorSummary() ErrorSummary {
	order := []string{"receiving_officials:handover.field.receiving_officials"}
	if id := v.AcceptTarget(); id != "" {
		order = append(order, "accept#accept_"+id+":handover.accept")
	}
	if id := v.DeclineTarget(); id != "" {
		order = append(order, "decline#reason_"+id+":handover.decline_reason")
	}
	return formSummary(v.L, v.Error, v.Errors, append(order, "confirm")...)
}
