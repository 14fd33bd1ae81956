// Files for the `file` questions of a grant application (issue 19): one file a question and application, its
// bytes kept in the database beside it (a bytea column: at most 10 MB each, as platform_draft_bytes keeps a
// draft's upload). Owned by the funder, like the application: its organisation_id leads the key. Nothing of it
// is public; the service decides who may download it (grants.application-files.ts).
//
// - filename: the name the applicant's computer gave, made safe (no path, no control characters), with the
//   extension of the type its content was found to be.
// - content_type: what the content is (PDF, DOCX, XLSX, ODT, PNG, JPEG, plain text or CSV), worked out from the
//   bytes, never taken from the browser.
// - sha256: the same bytes sent again for the same question are not written again.
export const statements = [
  `CREATE TABLE grants_application_files (
     organisation_id uuid NOT NULL,
     application_id uuid NOT NULL,
     question_key text NOT NULL CHECK (length(question_key) BETWEEN 1 AND 60),
     filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
     content_type text NOT NULL,
     size_bytes integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
     sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
     data bytea NOT NULL,
     uploaded_by uuid,
     uploaded_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, application_id, question_key),
     FOREIGN KEY (organisation_id, application_id) REFERENCES grants_applications (organisation_id, id),
     CHECK (octet_length(data) = size_bytes)
   )`,
  // PDFs, Office documents and images are compressed already: TOAST need not try again.
  `ALTER TABLE grants_application_files ALTER COLUMN data SET STORAGE EXTERNAL`,
];
