package drives

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
