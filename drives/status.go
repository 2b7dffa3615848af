package drives

import "fmt"

// Generic status bits of st's mt_gstat (linux/mtio.h).
const (
	gmtEOF     = 0x80000000
	gmtBOT     = 0x40000000
	gmtEOT     = 0x20000000
	gmtSM      = 0x10000000
	gmtEOD     = 0x08000000
	gmtWrProt  = 0x04000000
	gmtOnline  = 0x01000000
	gmtDrOpen  = 0x00040000
	gmtImRepEn = 0x00010000
	gmtCln     = 0x00008000
)

// mt_dsreg fields.
const (
	dsregBlockSizeMask = 0xffffff
	dsregDensityShift  = 24
)

// RawStatus holds the fields of st's struct mtget as returned by MTIOCGET.
type RawStatus struct {
	Type   int64 // mt_type (0x72 = SCSI-2)
	Resid  int64 // mt_resid: the current partition in st
	DsReg  int64 // mt_dsreg: density << 24 | block size
	GStat  int64 // mt_gstat: GMT_* bits
	ErReg  int64 // mt_erreg: soft errors since the last MTIOCGET (low 16 bits)
	FileNo int32 // mt_fileno, -1 when unknown
	BlkNo  int32 // mt_blkno, -1 when unknown
}

// DecodeStatus turns an mtget into a Status. It is a pure function.
func DecodeStatus(r RawStatus) Status {
	g := uint64(r.GStat)
	return Status{
		Online:            g&gmtOnline != 0,
		BOT:               g&gmtBOT != 0,
		Filemark:          g&gmtEOF != 0,
		EOD:               g&gmtEOD != 0,
		EOT:               g&gmtEOT != 0,
		WriteProtected:    g&gmtWrProt != 0,
		DoorOpen:          g&gmtDrOpen != 0,
		CleaningRequested: g&gmtCln != 0,
		BlockSize:         int(uint64(r.DsReg) & dsregBlockSizeMask),
		Density:           uint8(uint64(r.DsReg) >> dsregDensityShift),
		File:              int64(r.FileNo),
		Block:             int64(r.BlkNo),
		Partition:         int(r.Resid),
	}
}

// EncodeStatus is the inverse of DecodeStatus, as st would fill an mtget
// (with GMT_IM_REP_EN set, as st normally reports). The virtual tape uses it
// so that both backends go through the same decoding.
func EncodeStatus(s Status) RawStatus {
	var g uint64 = gmtImRepEn
	set := func(on bool, bit uint64) {
		if on {
			g |= bit
		}
	}
	set(s.Online, gmtOnline)
	set(s.BOT, gmtBOT)
	set(s.Filemark, gmtEOF)
	set(s.EOD, gmtEOD)
	set(s.EOT, gmtEOT)
	set(s.WriteProtected, gmtWrProt)
	set(s.DoorOpen, gmtDrOpen)
	set(s.CleaningRequested, gmtCln)
	return RawStatus{
		Type:   0x72,
		Resid:  int64(s.Partition),
		DsReg:  int64(uint64(s.Density)<<dsregDensityShift | uint64(s.BlockSize)&dsregBlockSizeMask),
		GStat:  int64(g),
		FileNo: int32(s.File),
		BlkNo:  int32(s.Block),
	}
}

// IsBlankReadState reports whether s is the state st leaves after a read of
// block 0 of a factory-blank cartridge failed (rig capture
// mt-status-blank-after-read.txt): online, file 0, block -1, and no EOD
// bit, because st turns the drive's BLANK CHECK into a plain EIO. A medium
// error on block 0 leaves the same state; only the sense data through the
// sg node tells them apart.
func IsBlankReadState(s Status) bool {
	return s.Online && s.File == 0 && s.Block == -1 && !s.EOD
}

// blankAfterFailedRead decides whether a read at the beginning of the tape
// that st failed with a plain EIO, leaving status s, met a blank
// cartridge. sense, if not nil, repeats the read through the sg node and
// returns its sense key: only BLANK CHECK is blank. Without it, or if it
// fails (its error is returned for the log), st's state decides.
func blankAfterFailedRead(s Status, sense func() (byte, error)) (bool, error) {
	if !IsBlankReadState(s) {
		return false, nil
	}
	if sense == nil {
		return true, nil
	}
	key, err := sense()
	if err != nil {
		return true, err
	}
	return key == senseBlankCheck, nil
}

// senseBlankCheck is the sense key BLANK CHECK (8h): the drive met
// unrecorded tape (end of data).
const senseBlankCheck = 0x8

// senseKey returns the sense key of fixed-format (70h/71h) or descriptor
// format (72h/73h) sense data.
func senseKey(sense []byte) (byte, error) {
	if len(sense) < 3 {
		return 0, fmt.Errorf("%d bytes of sense data", len(sense))
	}
	switch sense[0] & 0x7f {
	case 0x70, 0x71:
		return sense[2] & 0x0f, nil
	case 0x72, 0x73:
		return sense[1] & 0x0f, nil
	}
	return 0, fmt.Errorf("sense data of unknown format %#02x", sense[0])
}

// decodeBlockLimits decodes the 6 bytes READ BLOCK LIMITS returns.
func decodeBlockLimits(b []byte) (lo, hi int, err error) {
	if len(b) < 6 {
		return 0, 0, fmt.Errorf("READ BLOCK LIMITS returned %d bytes, want 6", len(b))
	}
	hi = int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	lo = int(b[4])<<8 | int(b[5])
	if hi == 0 || lo > hi {
		return 0, 0, fmt.Errorf("READ BLOCK LIMITS %d - %d makes no sense", lo, hi)
	}
	return lo, hi, nil
}
