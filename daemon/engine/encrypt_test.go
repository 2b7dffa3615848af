package engine

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/facts"
	"github.com/tapewarden/tapewarden/daemon/recovery"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// testKey is an age key for the tests: the identity file (mode 0600) and
// the recipient.
type testKey struct {
	id        *age.X25519Identity
	file      string
	recipient string
}

func newTestKey(t *testing.T, dir, name string) testKey {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	file := filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(file, []byte("# "+name+"\n"+id.String()+"\n"), 0o600))
	return testKey{id: id, file: file, recipient: id.Recipient().String()}
}

func (k testKey) text(t *testing.T) Secret {
	b, err := os.ReadFile(k.file)
	require.NoError(t, err)
	return Secret(b)
}

// secret is the part of the identity that must never show up anywhere.
func (k testKey) secret() string { return strings.TrimPrefix(k.id.String(), "AGE-SECRET-KEY-1") }

// encryptDaily makes the daily pool encrypt to the keys.
func encryptDaily(keys ...testKey) func(*config.Config) {
	return func(cfg *config.Config) {
		p := cfg.Pool("daily")
		p.Encryption = "age"
		for _, k := range keys {
			p.Recipients = append(p.Recipients, config.Recipient{Value: k.recipient})
		}
	}
}

// vtapeRecord is one record of a virtual cartridge image.
type vtapeRecord struct {
	file   int
	offset int64 // of the data
	length int64
}

// vtapeRecords walks an image as drives/doc.go describes it, with nothing
// of tapewarden: a 4096-byte header, then records of a 4-byte tag, a
// little-endian 32-bit length and the data.
func vtapeRecords(t *testing.T, img string) ([]vtapeRecord, []byte) {
	t.Helper()
	raw, err := os.ReadFile(img)
	require.NoError(t, err)
	var out []vtapeRecord
	file := 0
	for off := int64(4096); off+8 <= int64(len(raw)); {
		tag, n := string(raw[off:off+4]), int64(binary.LittleEndian.Uint32(raw[off+4:off+8]))
		switch tag {
		case "FMK\x00":
			file++
		case "EOD\x00":
			return out, raw
		case "BLK\x00":
			out = append(out, vtapeRecord{file: file, offset: off + 8, length: n})
		default:
			t.Fatalf("%s: bad record tag %q at %d", img, tag, off)
		}
		off += 8 + n
	}
	return out, raw
}

// vtapeFile is `mt fsf N; dd` on an image: tape file N's blocks.
func vtapeFile(t *testing.T, img string, n int) []byte {
	recs, raw := vtapeRecords(t, img)
	var b bytes.Buffer
	for _, r := range recs {
		if r.file == n {
			b.Write(raw[r.offset : r.offset+r.length])
		}
	}
	return b.Bytes()
}

// TestEncryptedSpanningJob writes a job of an encrypted pool across two
// cartridges, verifies it without any key, restores it with the identity
// byte for byte, refuses a wrong identity and a missing one without
// writing anything, decrypts it with Debian's age and GNU tar alone, and
// refuses a tampered piece leaving nothing in the target.
func TestEncryptedSpanningJob(t *testing.T) {
	keys := t.TempDir()
	ict, escrow, stranger := newTestKey(t, keys, "ict"), newTestKey(t, keys, "escrow"), newTestKey(t, keys, "stranger")
	w := newAppendWorld(t, "checksum", encryptDaily(ict, escrow))
	ctx, cat := w.ctx, w.h.d.cat
	w.change("juki-daily", cartridgeCapacity+12<<20) // more than one cartridge holds

	r := w.run("juki-daily")
	require.Equal(t, media.RunSucceeded, r.State, r.Reason)
	r, err := cat.Run(ctx, r.ID)
	require.NoError(t, err)
	require.Len(t, r.Pieces, 2, "the job spans two cartridges")
	fps := []string{archive.Fingerprint(ict.recipient), archive.Fingerprint(escrow.recipient)}
	assert.Equal(t, "age", r.Encryption)
	assert.Equal(t, fps, r.Recipients)
	assert.NotEqual(t, r.SHA256, r.TapeSHA256)
	assert.Greater(t, r.TapeBytes, r.Bytes, "age adds a header and a tag per chunk")
	assert.Contains(t, r.Log, "encrypting with age to "+fps[0]+", "+fps[1])

	// Verify: the bytes on tape against the catalog and the trailers,
	// without any key.
	var tapeBytes int64
	var onTape [][]byte
	for i, p := range r.Pieces {
		d, err := drives.Open(w.image(p.Barcode))
		require.NoError(t, err)
		require.NoError(t, d.SetBlockSize(ctx, 0))
		require.NoError(t, d.SpaceFiles(ctx, int(p.File)))
		n, sum, err := archive.Verify(ctx, d, 512<<10)
		require.NoError(t, err)
		assert.Equal(t, p.Bytes, n)
		assert.Equal(t, p.SHA256, sum)
		tr, err := drives.ReadTrailer(ctx, d)
		require.NoError(t, err)
		require.NoError(t, d.Close())
		assert.Equal(t, "age", tr.Encryption)
		assert.Equal(t, fps, tr.Recipients)
		assert.Equal(t, p.SHA256, tr.SHA256)
		if i == len(r.Pieces)-1 {
			assert.False(t, tr.Continued)
			assert.Equal(t, r.TapeSHA256, tr.TotalSHA256)
			assert.Equal(t, r.TapeBytes, tr.TotalBytes)
			assert.Equal(t, r.SHA256, tr.PlainSHA256)
			assert.Equal(t, r.Bytes, tr.PlainBytes)
		} else {
			assert.True(t, tr.Continued)
			assert.Empty(t, tr.PlainSHA256)
		}
		tapeBytes += n
		onTape = append(onTape, vtapeFile(t, w.image(p.Barcode), int(p.File)))
	}
	assert.Equal(t, r.TapeBytes, tapeBytes)

	// The policy check's facts hold the generation and its recipients;
	// once the pool's recipients change, the generation is listed.
	pf, err := facts.Policy(ctx, w.h.d.cfg, cat)
	require.NoError(t, err)
	require.Equal(t, []rotation.EncryptedGeneration{{Pool: "daily", Generation: r.Generation, Recipients: fps}}, pf.Encrypted)
	changed := *w.h.d.cfg
	changed.Pools = slices.Clone(changed.Pools)
	changed.Pool("daily").Recipients = []config.Recipient{{Value: stranger.recipient}}
	var rules []string
	for _, fi := range rotation.Check(changed.PolicyConfig(), pf, w.clock.Now()) {
		if strings.HasPrefix(fi.Rule, "encryption-") {
			rules = append(rules, fi.Rule+": "+fi.Message)
		}
	}
	require.Len(t, rules, 2, "%v", rules)
	assert.Contains(t, rules[0], "encryption-escrow: is encrypted to one recipient only")
	assert.Contains(t, rules[1], "encryption-old-recipients: holds generations encrypted only to recipients no longer configured: "+r.Generation+" (to "+fps[0]+", "+fps[1]+")")

	req := RestoreRequest{Job: r.Job, Generation: r.Generation}
	empty := func(dir string) {
		t.Helper()
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "nothing may be left in the target")
	}

	// No identity: say how to give one, before touching a cartridge.
	req.To = t.TempDir()
	_, err = w.h.d.Restore(ctx, tester, req)
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "tapewarden restore --identity FILE")
	empty(req.To)

	// A wrong identity: the recipients' fingerprints, nothing written.
	req.Identity = stranger.text(t)
	_, err = w.h.d.Restore(ctx, tester, req)
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorIs(t, err, archive.ErrWrongIdentity)
	assert.Contains(t, err.Error(), fps[0]+", "+fps[1])
	assert.Contains(t, err.Error(), archive.Fingerprint(stranger.recipient))
	empty(req.To)

	// Not an identity at all.
	req.Identity = Secret("AGE-SECRET-KEY-1NOTAKEY\n")
	_, err = w.h.d.Restore(ctx, tester, req)
	require.ErrorIs(t, err, archive.ErrBadIdentity)
	assert.NotContains(t, err.Error(), "NOTAKEY")
	empty(req.To)

	// The escrow key restores byte for byte.
	req.Identity = escrow.text(t)
	res, err := w.h.d.Restore(ctx, tester, req)
	require.NoError(t, err)
	require.Len(t, res.Jobs, 1)
	assert.True(t, res.Jobs[0].Verified)
	assert.Equal(t, r.Bytes, res.Jobs[0].Bytes)
	assert.Len(t, res.Jobs[0].Cartridges, 2)
	want := map[string][]byte{}
	for k, v := range w.written[r.ID] {
		want[strings.TrimPrefix(filepath.Join(w.dataDir, "juki", k), "/")] = v
	}
	got := w.snapshot(req.To)
	require.Equal(t, len(want), len(got))
	for name, content := range want {
		require.True(t, bytes.Equal(content, got[name]), "%s differs", name)
	}

	// With Debian's age and GNU tar alone, as the README says:
	// dd ... > piece1; dd ... > piece2; cat piece1 piece2 | age -d -i key.txt | tar -xvf -
	if _, err := exec.LookPath("age"); err != nil {
		t.Error("Debian's age is not installed (.ci/run installs it): the recovery with standard tools is not tested")
	} else {
		work := t.TempDir()
		var names []string
		for i, b := range onTape {
			name := filepath.Join(work, "piece"+string(rune('1'+i)))
			require.NoError(t, os.WriteFile(name, b, 0o600))
			names = append(names, name)
		}
		out := filepath.Join(work, "out")
		require.NoError(t, os.Mkdir(out, 0o700))
		sh := exec.Command("sh", "-c", `cat "$@" | age -d -i "$KEY" | tar -xf - -C "$OUT"`, "sh")
		sh.Args = append(sh.Args, names...)
		sh.Env = append(os.Environ(), "KEY="+ict.file, "OUT="+out)
		msg, err := sh.CombinedOutput()
		require.NoError(t, err, "%s", msg)
		got = w.snapshot(out)
		require.Equal(t, len(want), len(got))
		for name, content := range want {
			require.True(t, bytes.Equal(content, got[name]), "%s differs after age -d | tar -x", name)
		}
	}

	// Tampered: one byte changed in the second piece. age's
	// authentication fails, the error names the piece, and nothing of
	// the stream is left in the target.
	p2 := r.Pieces[1]
	recs, _ := vtapeRecords(t, w.image(p2.Barcode))
	var data []vtapeRecord
	for _, rec := range recs {
		if rec.file == int(p2.File) {
			data = append(data, rec)
		}
	}
	require.NotEmpty(t, data)
	f, err := os.OpenFile(w.image(p2.Barcode), os.O_RDWR, 0)
	require.NoError(t, err)
	b := make([]byte, 1)
	at := data[len(data)/2].offset + 1000
	_, err = f.ReadAt(b, at)
	require.NoError(t, err)
	b[0] ^= 0x40
	_, err = f.WriteAt(b, at)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	req.To, req.Identity = t.TempDir(), ict.text(t)
	_, err = w.h.d.Restore(ctx, tester, req)
	require.ErrorIs(t, err, archive.ErrNotAuthentic)
	assert.Contains(t, err.Error(), "piece 2 of run")
	assert.Contains(t, err.Error(), p2.Barcode)
	empty(req.To)

	// None of the identities given is in the engine's log or a run log.
	full, err := cat.Run(ctx, r.ID)
	require.NoError(t, err)
	for _, k := range []testKey{ict, escrow, stranger} {
		assert.NotContains(t, strings.ToUpper(w.h.log.String()), k.secret())
		assert.NotContains(t, strings.ToUpper(string(full.Log)), k.secret())
	}
}

// TestEncryptedCatalogFile: a cartridge of an encrypted pool carries its
// catalog file encrypted to the pool's recipients, readable by Debian's
// age with either identity. A rebuild with an identity starts from the
// full catalog and a restore from tape decrypts the data; without one
// the rebuild reads labels and trailers, says which recipients open the
// catalog file, and rebuilds from the trailers alone; a restore from tape
// says the same of the data and writes nothing.
func TestEncryptedCatalogFile(t *testing.T) {
	keys := t.TempDir()
	ict, escrow, stranger := newTestKey(t, keys, "ict"), newTestKey(t, keys, "escrow"), newTestKey(t, keys, "stranger")
	w := newAppendWorld(t, "checksum", encryptDaily(ict, escrow))
	ctx, cat := w.ctx, w.h.d.cat
	w.change("juki-daily", 3<<20)
	r := w.run("juki-daily")
	require.Equal(t, media.RunSucceeded, r.State, r.Reason)
	r, err := cat.Run(ctx, r.ID)
	require.NoError(t, err)
	require.Len(t, r.Pieces, 1)
	fps := []string{archive.Fingerprint(ict.recipient), archive.Fingerprint(escrow.recipient)}
	assert.Contains(t, r.Log, "wrote the catalog file to "+r.Pieces[0].Barcode+" in tape file 3")
	assert.Contains(t, r.Log, "encrypted with age to "+fps[0]+", "+fps[1])

	// The trailer says so; the file is an age file, not a tar.
	img := w.image(r.Pieces[0].Barcode)
	d, err := drives.Open(img)
	require.NoError(t, err)
	c, err := recovery.ReadCartridge(ctx, d)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.Len(t, c.Catalogs, 1)
	ct := c.Catalogs[0]
	assert.Equal(t, "age", ct.Encryption)
	assert.Equal(t, fps, ct.Recipients)
	onTape := vtapeFile(t, img, int(ct.DataFile))
	assert.True(t, bytes.HasPrefix(onTape, []byte("age-encryption.org/v1\n")), "the catalog file is an age file")
	assert.False(t, bytes.Contains(onTape, []byte("tapewarden-catalog-file")), "the manifest is not readable on tape")
	assert.False(t, bytes.Contains(onTape, []byte("juki-daily")))

	survivors := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(survivors, r.Pieces[0].Barcode+".vtape"), mustRead(t, img), 0o640))
	w.h.stop()
	patterns := w.h.d.cfg.LabelPatterns()
	idsOf := func(k testKey) archive.Identities {
		ids, err := archive.ReadIdentityFile(k.file)
		require.NoError(t, err)
		return ids
	}

	t.Run("without an identity", func(t *testing.T) {
		var progress bytes.Buffer
		rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: survivors}, StateDir: t.TempDir(), Progress: &progress, LabelPatterns: patterns})
		require.NoError(t, err, progress.String())
		assert.Empty(t, rep.CatalogFrom, "no catalog file opened")
		assert.Equal(t, fps, rep.Encrypted)
		require.Len(t, rep.Rejected, 1)
		assert.Contains(t, rep.Rejected[0], "(tape file 3, audit chain head")
		assert.Contains(t, rep.Rejected[0], "): recovery: the catalog file is encrypted with age to the recipients with fingerprints "+fps[0]+", "+fps[1]+": give --identity FILE")
		assert.Contains(t, progress.String(), "its catalog file is encrypted with age to "+fps[0]+", "+fps[1]+" and not opened")
		require.Len(t, rep.RunsAdded, 1, "the run comes from its trailer")
		assert.Zero(t, rep.RunsFromCopy)

		to := t.TempDir()
		_, err = recovery.RestoreFromTape(ctx, recovery.RestoreOptions{Source: &recovery.Images{Dir: survivors}, To: to, Progress: &progress})
		require.ErrorIs(t, err, recovery.ErrEncrypted)
		assert.Contains(t, err.Error(), "give --identity FILE")
		entries, err := os.ReadDir(filepath.Join(to, "juki-daily"))
		if err == nil {
			assert.Empty(t, entries)
		}
	})

	t.Run("with a wrong identity", func(t *testing.T) {
		var progress bytes.Buffer
		rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: survivors}, StateDir: t.TempDir(), Progress: &progress,
			LabelPatterns: patterns, Identities: idsOf(stranger)})
		require.NoError(t, err, progress.String())
		assert.Empty(t, rep.CatalogFrom)
		require.Len(t, rep.Rejected, 1)
		assert.Contains(t, rep.Rejected[0], "the identities given have recipient fingerprints "+archive.Fingerprint(stranger.recipient))
		assert.Equal(t, 1, strings.Count(rep.Rejected[0], fps[0]), "said once: %s", rep.Rejected[0])
	})

	t.Run("with the escrow identity", func(t *testing.T) {
		var progress bytes.Buffer
		state := t.TempDir()
		rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: survivors}, StateDir: state, Progress: &progress,
			LabelPatterns: patterns, Identities: idsOf(escrow)})
		require.NoError(t, err, progress.String())
		assert.Contains(t, rep.CatalogFrom, r.Pieces[0].Barcode)
		assert.Empty(t, rep.Rejected)
		assert.Empty(t, rep.Encrypted)
		assert.Contains(t, progress.String(), "its catalog file decrypted and read back")
		// The full catalog: the five cartridges of the pool, not only the
		// one read, and the run as the catalog knew it.
		rebuilt, err := media.Open(ctx, rep.Path, media.Options{LabelPatterns: patterns})
		require.NoError(t, err)
		defer rebuilt.Close()
		carts, err := rebuilt.Cartridges(ctx, media.Filter{Pool: "daily"})
		require.NoError(t, err)
		assert.Len(t, carts, 5)
		got, err := rebuilt.Run(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, r.SHA256, got.SHA256)
		assert.Equal(t, r.Recipients, got.Recipients)

		to := t.TempDir()
		res, err := recovery.RestoreFromTape(ctx, recovery.RestoreOptions{Source: &recovery.Images{Dir: survivors}, To: to, Progress: &progress, Identities: idsOf(escrow)})
		require.NoError(t, err, progress.String())
		require.Len(t, res, 1)
		assert.True(t, res[0].Verified)
		assert.Equal(t, r.SHA256, res[0].SHA256)
		assert.Equal(t, []string{r.Pieces[0].Barcode}, res[0].Cartridges)
		assert.NotContains(t, progress.String(), "restore order is not known")
		want := map[string][]byte{}
		for k, v := range w.written[r.ID] {
			want[strings.TrimPrefix(filepath.Join(w.dataDir, "juki", k), "/")] = v
		}
		restored := w.snapshot(res[0].Dir)
		require.Equal(t, len(want), len(restored))
		for name, content := range want {
			require.True(t, bytes.Equal(content, restored[name]), "%s differs", name)
		}
	})

	// Debian's age opens the catalog file with the ICT key: the manifest
	// is the first member of the tar inside.
	if _, err := exec.LookPath("age"); err != nil {
		t.Error("Debian's age is not installed (.ci/run installs it)")
		return
	}
	file := filepath.Join(t.TempDir(), "catalog-file")
	require.NoError(t, os.WriteFile(file, onTape, 0o600))
	out, err := exec.Command("sh", "-c", `age -d -i "$1" "$2" | tar -tf -`, "sh", ict.file, file).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "manifest.json\ncatalog.db.gz\n", string(out))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
