package bot

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
)

// ReadBody reads the whole body of a webhook request (whose signature is
// over the raw bytes), at most max bytes. When it fails it has answered
// the request with the status that says why, and returns the error for
// the log: 413 for a body over max, 408 for one that did not arrive
// within the server's read timeout (a client trickling it), 400 for any
// other failure to read it.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err == nil {
		return body, nil
	}
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		// The rest of the body is not read: do not reuse the connection.
		w.Header().Set("Connection", "close")
		http.Error(w, "request body not received in time", http.StatusRequestTimeout)
	default:
		http.Error(w, "request body unreadable", http.StatusBadRequest)
	}
	return nil, err
}
