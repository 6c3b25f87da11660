package web

import (
	"net/http"

	"homeward/internal/authz"
)

// Upload routes: the global body limit of server.go gives way to maxUploadBody on these.
const (
	uploadPage = "/cases/:id/attachments"
	uploadAPI  = "/api/v1/cases/:id/attachments"
)

// attachmentRoutes registers the attachments of a case: the page with its upload form, the audited
// download, and the JSON API. Contents go to the object store the app chose (a directory or S3).
func (s *Server) attachmentRoutes() {
	h := attachmentHandlers{s: s, svc: s.Attachments}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, "/cases/:id/attachments", h.page, perm(authz.SectionAttachments, read))
	s.handle(p, uploadPage, h.upload, perm(authz.SectionAttachments, write))
	s.handle(g, "/cases/:id/attachments/:aid/download", h.download, perm(authz.SectionAttachments, read))
	s.handle(g, "/api/v1/cases/:id/attachments", h.apiList, perm(authz.SectionAttachments, read))
	s.handle(p, uploadAPI, h.apiUpload, perm(authz.SectionAttachments, write))
	s.handle(g, "/api/v1/attachments/:aid/content", h.apiContent, perm(authz.SectionAttachments, read))
}
