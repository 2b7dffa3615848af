package media

import "errors"

// Sentinel errors. Every error the catalog returns for bad input wraps one of
// these, so callers (the API, the CLI) can map them to a status without
// parsing text; the wrapping message names the object and says what to do.
var (
	ErrNotFound         = errors.New("media: cartridge not found")
	ErrExists           = errors.New("media: cartridge already in the catalog")
	ErrBadBarcode       = errors.New("media: malformed barcode")
	ErrBadInput         = errors.New("media: invalid input")
	ErrUnknownPlace     = errors.New("media: unknown place")
	ErrAlreadyThere     = errors.New("media: cartridge is already there")
	ErrNotMovable       = errors.New("media: cartridge cannot be moved this way")
	ErrManifestNotFound = errors.New("media: manifest not found")
	ErrManifestState    = errors.New("media: manifest is not in the right state")
	ErrDiscrepancy      = errors.New("media: barcodes do not match the manifest")
	ErrNewerSchema      = errors.New("media: catalog schema is newer than this program")
	ErrCorrupt          = errors.New("media: catalog failed its integrity check")
	// ErrNotWritable wraps a write the database itself refused: its file
	// system is full or read-only, or the disk failed. Nothing was changed.
	ErrNotWritable = errors.New("media: the catalog cannot be written")
	// ErrInspectionNotFound and ErrInspectionState concern physical
	// inspections of a site.
	ErrInspectionNotFound = errors.New("media: inspection not found")
	ErrInspectionState    = errors.New("media: inspection is not in the right state")
	// ErrDisposalRefused: something still refers to the cartridge, or it
	// is not where or in the state a disposal needs.
	ErrDisposalRefused = errors.New("media: the cartridge cannot be disposed of yet")
	// ErrAccountNotFound and ErrAccountExists concern the accounts, API
	// tokens and courier codes of the TCP listener.
	ErrAccountNotFound = errors.New("media: account not found")
	ErrAccountExists   = errors.New("media: account already exists")
)
