//go:build unix

package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// member is one entry of a hand-made tar stream.
type member struct {
	h    tar.Header
	body string
}

func reg(name, body string) member {
	return member{tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body))}, body}
}

func dirm(name string) member {
	return member{h: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755}}
}

func symlink(name, target string) member {
	return member{h: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

func hardlink(name, target string) member {
	return member{h: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, Mode: 0o644}}
}

// buildTar writes members as a tar stream, exactly as given: archive/tar
// does not clean names.
func buildTar(t *testing.T, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := m.h
		if h.Typeflag != tar.TypeXGlobalHeader {
			h.ModTime = time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
		}
		require.NoError(t, tw.WriteHeader(&h))
		_, err := tw.Write([]byte(m.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// snapshot records everything under dir except the subtree skip: type,
// mode, size, content, link target and modification time.
func snapshot(t *testing.T, dir, skip string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if p == skip {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		require.NoError(t, err)
		desc := fi.Mode().String() + " " + fi.ModTime().String()
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			desc += " " + string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			require.NoError(t, err)
			desc += " -> " + target
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = desc
		return nil
	}))
	return out
}

// sandbox is a restore directory inside a parent holding things that must
// not change: a file, a directory with a file, and a directory to which
// nothing may be added.
type sandbox struct {
	parent, dir string
}

func newSandbox(t *testing.T) sandbox {
	t.Helper()
	parent := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(parent, "outside"), []byte("keep"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(parent, "outdir"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(parent, "outdir", "file"), []byte("keep too"), 0o644))
	dir := filepath.Join(parent, "restore")
	require.NoError(t, os.Mkdir(dir, 0o755))
	return sandbox{parent, dir}
}

func TestExtractRefusesEscapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, sb sandbox) // things already in the restore directory
		members func(sb sandbox) []member
		opts    ExtractOptions
		refused string // a member expected among the refused
		reason  string // part of its reason
		check   func(t *testing.T, sb sandbox)
	}{
		{
			name:    "absolute name",
			members: func(sb sandbox) []member { return []member{reg(filepath.Join(sb.parent, "outside"), "evil")} },
			refused: "outside", reason: "absolute path",
		},
		{
			name:    "absolute name of a new file",
			members: func(sb sandbox) []member { return []member{reg(filepath.Join(sb.parent, "new"), "evil")} },
			refused: "new", reason: "absolute path",
		},
		{
			name:    "dot-dot at the start",
			members: func(sandbox) []member { return []member{reg("../outside", "evil")} },
			refused: "../outside", reason: `".."`,
		},
		{
			name:    "dot-dot in the middle",
			members: func(sandbox) []member { return []member{dirm("a/"), reg("a/../../new", "evil")} },
			refused: "a/../../new", reason: `".."`,
		},
		{
			name: "file written through a symbolic link to outside",
			members: func(sandbox) []member {
				return []member{symlink("ln", "../outdir"), reg("ln/evil", "evil")}
			},
			refused: "ln", reason: "already exists",
			check: func(t *testing.T, sb sandbox) {
				b, err := os.ReadFile(filepath.Join(sb.dir, "ln", "evil"))
				require.NoError(t, err, "the file lands in a real directory inside")
				assert.Equal(t, "evil", string(b))
			},
		},
		{
			name: "member under an absolute symbolic link to a directory outside",
			members: func(sb sandbox) []member {
				return []member{symlink("ln", filepath.Join(sb.parent, "outdir")), dirm("ln/sub/"), reg("ln/sub/evil", "evil")}
			},
			opts:    ExtractOptions{Overwrite: true},
			refused: "ln", reason: "a directory is in the way",
		},
		{
			name: "file of the same name as a symbolic link to outside",
			members: func(sandbox) []member {
				return []member{symlink("ln", "../outside"), reg("ln", "evil")}
			},
			opts: ExtractOptions{Overwrite: true},
			check: func(t *testing.T, sb sandbox) {
				fi, err := os.Lstat(filepath.Join(sb.dir, "ln"))
				require.NoError(t, err)
				assert.True(t, fi.Mode().IsRegular(), "the later member wins, as a plain file")
			},
		},
		{
			name: "symbolic link already in the directory, pointing outside",
			setup: func(t *testing.T, sb sandbox) {
				require.NoError(t, os.Symlink(filepath.Join(sb.parent, "outdir"), filepath.Join(sb.dir, "pre")))
			},
			members: func(sandbox) []member { return []member{reg("pre/file", "evil"), reg("pre/new", "evil")} },
			refused: "pre/file", reason: "escapes",
		},
		{
			name: "relative symbolic link already in the directory, pointing outside",
			setup: func(t *testing.T, sb sandbox) {
				require.NoError(t, os.Symlink("../outside", filepath.Join(sb.dir, "pre")))
			},
			members: func(sandbox) []member { return []member{reg("pre", "evil")} },
			refused: "pre", reason: "already exists",
		},
		{
			name: "overwriting a symbolic link replaces the link, not its target",
			setup: func(t *testing.T, sb sandbox) {
				require.NoError(t, os.Symlink("../outside", filepath.Join(sb.dir, "pre")))
			},
			members: func(sandbox) []member { return []member{reg("pre", "evil")} },
			opts:    ExtractOptions{Overwrite: true},
			check: func(t *testing.T, sb sandbox) {
				b, err := os.ReadFile(filepath.Join(sb.dir, "pre"))
				require.NoError(t, err)
				assert.Equal(t, "evil", string(b))
			},
		},
		{
			name:    "hard link to an absolute path",
			members: func(sb sandbox) []member { return []member{hardlink("h", filepath.Join(sb.parent, "outside"))} },
			refused: "h", reason: "hard link target: absolute path",
		},
		{
			name:    "hard link out of the directory",
			members: func(sandbox) []member { return []member{hardlink("h", "../outside")} },
			refused: "h", reason: `hard link target: path contains ".."`,
		},
		{
			name: "hard link to a file not from the archive",
			setup: func(t *testing.T, sb sandbox) {
				require.NoError(t, os.WriteFile(filepath.Join(sb.dir, "existing"), []byte("mine"), 0o644))
			},
			members: func(sandbox) []member { return []member{hardlink("h", "existing")} },
			refused: "h", reason: "not a file restored earlier from this archive",
		},
		{
			name: "hard link to a symbolic link pointing outside, then written",
			members: func(sandbox) []member {
				return []member{symlink("s", "../outside"), hardlink("h", "s"), reg("h", "evil")}
			},
			opts: ExtractOptions{Overwrite: true},
			check: func(t *testing.T, sb sandbox) {
				b, err := os.ReadFile(filepath.Join(sb.dir, "h"))
				require.NoError(t, err)
				assert.Equal(t, "evil", string(b))
			},
		},
		{
			name: "hard link through a directory symbolic link",
			members: func(sandbox) []member {
				return []member{symlink("d", "../outdir"), hardlink("h", "d/file")}
			},
			refused: "h", reason: "not a file restored earlier",
		},
		{
			name: "device node",
			members: func(sandbox) []member {
				return []member{{h: tar.Header{Typeflag: tar.TypeChar, Name: "null", Mode: 0o666, Devmajor: 1, Devminor: 3}}}
			},
			refused: "null", reason: "restore with --allow-devices",
		},
		{
			name: "FIFO",
			members: func(sandbox) []member {
				return []member{{h: tar.Header{Typeflag: tar.TypeFifo, Name: "pipe", Mode: 0o644}}}
			},
			refused: "pipe", reason: "restore with --allow-devices",
		},
		{
			name: "existing file without Overwrite",
			setup: func(t *testing.T, sb sandbox) {
				require.NoError(t, os.WriteFile(filepath.Join(sb.dir, "existing"), []byte("old"), 0o644))
			},
			members: func(sandbox) []member { return []member{reg("existing", "new")} },
			refused: "existing", reason: "already exists in the restore directory (restore with --overwrite to replace it)",
			check: func(t *testing.T, sb sandbox) {
				b, err := os.ReadFile(filepath.Join(sb.dir, "existing"))
				require.NoError(t, err)
				assert.Equal(t, "old", string(b))
			},
		},
		{
			name:    "file named like the restore directory",
			members: func(sandbox) []member { return []member{reg(".", "evil")} },
			refused: ".", reason: "the restore directory itself",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			if tc.setup != nil {
				tc.setup(t, sb)
			}
			before := snapshot(t, sb.parent, sb.dir)
			stream := buildTar(t, tc.members(sb)...)
			res, err := Extract(t.Context(), bytes.NewReader(stream), sb.dir, tc.opts)
			assert.Equal(t, before, snapshot(t, sb.parent, sb.dir), "nothing outside the restore directory changed")
			if tc.refused == "" {
				require.NoError(t, err)
				assert.Empty(t, res.Refused)
			} else {
				var re *RefusedError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, res.Refused, re.Refused)
				found := false
				for _, r := range res.Refused {
					if strings.HasSuffix(r.Name, tc.refused) && strings.Contains(r.Reason, tc.reason) {
						found = true
					}
				}
				assert.True(t, found, "want %s refused for %q; got %+v", tc.refused, tc.reason, res.Refused)
			}
			if tc.check != nil {
				tc.check(t, sb)
			}
		})
	}
}

func TestExtractTolerateRefused(t *testing.T) {
	sb := newSandbox(t)
	var warned []string
	stream := buildTar(t, reg("../evil", "x"), reg("good", "fine"))
	res, err := Extract(t.Context(), bytes.NewReader(stream), sb.dir, ExtractOptions{
		TolerateRefused: true,
		Warn:            func(m string) { warned = append(warned, m) },
	})
	require.NoError(t, err)
	assert.Equal(t, []Refusal{{Name: "../evil", Reason: `path contains ".."`}}, res.Refused)
	assert.Equal(t, []string{`../evil: refused: path contains ".."`}, warned)
	assert.EqualValues(t, 1, res.Members)
	b, err := os.ReadFile(filepath.Join(sb.dir, "good"))
	require.NoError(t, err)
	assert.Equal(t, "fine", string(b))
}

// TestRefusedErrorNamesEveryMember: the error of a restore that refused
// several members names each of them with its reason, not only the first.
func TestRefusedErrorNamesEveryMember(t *testing.T) {
	sb := newSandbox(t)
	var members []member
	for i := range 11 {
		members = append(members, reg(fmt.Sprintf("../../tmp/escape-%d", i), "x"))
	}
	members = append(members, reg("/etc/passwd-copy", "x"), reg("good", "fine"))
	_, err := Extract(t.Context(), bytes.NewReader(buildTar(t, members...)), sb.dir, ExtractOptions{})
	var re *RefusedError
	require.ErrorAs(t, err, &re)
	require.Len(t, re.Refused, 12)
	assert.Contains(t, err.Error(), "12 members refused")
	for i := range 11 {
		assert.Contains(t, err.Error(), fmt.Sprintf(`../../tmp/escape-%d (path contains "..")`, i))
	}
	assert.Contains(t, err.Error(), "/etc/passwd-copy (absolute path)")
}

func TestExtractOverwrite(t *testing.T) {
	sb := newSandbox(t)
	require.NoError(t, os.MkdirAll(filepath.Join(sb.dir, "d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sb.dir, "d", "f"), []byte("old"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(sb.dir, "d", "keep"), []byte("untouched"), 0o600))
	stream := buildTar(t, dirm("d/"), reg("d/f", "new"))

	_, err := Extract(t.Context(), bytes.NewReader(stream), sb.dir, ExtractOptions{})
	var re *RefusedError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, []Refusal{{Name: "d/f", Reason: "already exists in the restore directory (restore with --overwrite to replace it)"}}, re.Refused)
	assert.Contains(t, err.Error(), "d/f")

	res, err := Extract(t.Context(), bytes.NewReader(stream), sb.dir, ExtractOptions{Overwrite: true})
	require.NoError(t, err)
	assert.EqualValues(t, 2, res.Members)
	b, err := os.ReadFile(filepath.Join(sb.dir, "d", "f"))
	require.NoError(t, err)
	assert.Equal(t, "new", string(b))
	b, err = os.ReadFile(filepath.Join(sb.dir, "d", "keep"))
	require.NoError(t, err)
	assert.Equal(t, "untouched", string(b), "directories are merged into")

	// A member that appears twice: the later one wins without Overwrite.
	sb2 := newSandbox(t)
	res, err = Extract(t.Context(), bytes.NewReader(buildTar(t, reg("twice", "1"), reg("twice", "2"))), sb2.dir, ExtractOptions{})
	require.NoError(t, err)
	b, err = os.ReadFile(filepath.Join(sb2.dir, "twice"))
	require.NoError(t, err)
	assert.Equal(t, "2", string(b))
}

func TestExtractOnly(t *testing.T) {
	stream := buildTar(t,
		dirm("srv/"), dirm("srv/a/"), reg("srv/a/one", "1"), reg("srv/ab", "not a/"),
		dirm("srv/b/"), reg("srv/b/two", "2"), hardlink("srv/b/link", "srv/a/one"), reg("etc/conf", "c"),
	)
	for _, tc := range []struct {
		name    string
		only    []string
		want    []string // files present afterwards
		refused []Refusal
		err     string
	}{
		{"a directory", []string{"srv/a"}, []string{"srv/a/one"}, nil, ""},
		{"with a leading slash", []string{"/srv/a/"}, []string{"srv/a/one"}, nil, ""},
		{"a file", []string{"etc/conf"}, []string{"etc/conf"}, nil, ""},
		{
			"a link whose target is not selected", []string{"srv/b"}, []string{"srv/b/two"},
			[]Refusal{{Name: "srv/b/link", Reason: "hard link to srv/a/one, which was not selected for restore; select it too"}}, "",
		},
		{"both", []string{"srv/a", "srv/b"}, []string{"srv/a/one", "srv/b/two", "srv/b/link"}, nil, ""},
		{"not in the archive", []string{"srv/a", "nope"}, []string{"srv/a/one"}, nil, "not found in the archive: nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := Extract(t.Context(), bytes.NewReader(stream), dir, ExtractOptions{Only: tc.only, TolerateRefused: true})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.refused, res.Refused)
			var got []string
			require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if !d.IsDir() {
					rel, _ := filepath.Rel(dir, p)
					got = append(got, filepath.ToSlash(rel))
				}
				return err
			}))
			assert.ElementsMatch(t, tc.want, got)
		})
	}
}

func TestExtractReassembleRules(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []member
		files   map[string]string
		refused []string
	}{
		{
			name:    "a run",
			members: []member{reg("db.sql.000000", "ab"), reg("db.sql.000001", "cd"), reg("db.sql.000002", "e")},
			files:   map[string]string{"db.sql": "abcde"},
		},
		{
			name:    "two runs of different names",
			members: []member{reg("x.000000", "1"), reg("y.000000", "2"), reg("y.000001", "3")},
			files:   map[string]string{"x": "1", "y": "23"},
		},
		{
			name:    "a gap",
			members: []member{reg("db.000000", "ab"), reg("db.000002", "cd")},
			files:   map[string]string{"db": "ab"},
			refused: []string{"db.000002"},
		},
		{
			name:    "names that are not chunks",
			members: []member{reg("log.1", "a"), reg("v.00000a", "b"), reg(".000000", "c")},
			files:   map[string]string{"log.1": "a", "v.00000a": "b", ".000000": "c"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := Extract(t.Context(), bytes.NewReader(buildTar(t, tc.members...)), dir, ExtractOptions{Reassemble: true, TolerateRefused: true})
			require.NoError(t, err)
			var refused []string
			for _, r := range res.Refused {
				refused = append(refused, r.Name)
			}
			assert.Equal(t, tc.refused, refused)
			got := map[string]string{}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				require.NoError(t, err)
				got[e.Name()] = string(b)
			}
			assert.Equal(t, tc.files, got)
		})
	}
}

func TestReassembleErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []member
		err     string
	}{
		{"missing", []member{reg("other", "x")}, "archive: no chunks of db in the archive"},
		{"gap", []member{reg("db.000000", "x"), reg("db.000002", "y")}, "found db.000002 where db.000001 was expected"},
		{"no start", []member{reg("db.000001", "x")}, "found db.000001 where db.000000 was expected"},
		{"twice", []member{reg("db.000000", "x"), reg("other", ""), reg("db.000001", "y")}, "db.000001 appears a second time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Reassemble(t.Context(), bytes.NewReader(buildTar(t, tc.members...)), "db", &bytes.Buffer{})
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func TestExtractDevicesAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("device nodes are restored only as root; run the tests as root to check them")
	}
	dir := t.TempDir()
	stream := buildTar(t,
		member{h: tar.Header{Typeflag: tar.TypeFifo, Name: "pipe", Mode: 0o640}},
		member{h: tar.Header{Typeflag: tar.TypeChar, Name: "null", Mode: 0o666, Devmajor: 1, Devminor: 3}},
	)
	res, err := Extract(t.Context(), bytes.NewReader(stream), dir, ExtractOptions{AllowDevices: true, TolerateRefused: true})
	require.NoError(t, err)
	fi, err := os.Lstat(filepath.Join(dir, "pipe"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeNamedPipe|0o640, fi.Mode())
	if len(res.Refused) > 0 {
		// Containers often lack CAP_MKNOD: the refusal must say so.
		require.Len(t, res.Refused, 1)
		assert.Equal(t, "null", res.Refused[0].Name)
		assert.Contains(t, res.Refused[0].Reason, syscall.EPERM.Error())
		return
	}
	fi, err = os.Lstat(filepath.Join(dir, "null"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeDevice|fs.ModeCharDevice|0o666, fi.Mode())
}

func TestExtractCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Extract(ctx, bytes.NewReader(buildTar(t, reg("a", "x"))), t.TempDir(), ExtractOptions{})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "restore interrupted")
}

func TestExtractMetadataMembers(t *testing.T) {
	var warned []string
	stream := buildTar(t,
		member{h: tar.Header{Typeflag: typeGNUVolumeHeader, Name: "DAILY-03 ../label"}},
		member{h: tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "x"}}},
		reg("a", "1"),
	)
	dir := t.TempDir()
	res, err := Extract(t.Context(), bytes.NewReader(stream), dir, ExtractOptions{Warn: func(m string) { warned = append(warned, m) }})
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.Members)
	assert.Equal(t, []string{`volume label "DAILY-03 ../label" ignored`}, res.Warnings)
	assert.Equal(t, res.Warnings, warned)
}

func TestExtractStreamErrors(t *testing.T) {
	good := buildTar(t, reg("a", strings.Repeat("x", 5000)), reg("b", "y"))
	for _, tc := range []struct {
		name   string
		stream []byte
		err    string
	}{
		{"truncated in a member", good[:1024], "read member a: unexpected EOF"},
		{"garbage header", append(bytes.Clone(good[:512+5120]), bytes.Repeat([]byte{0xff}, 512)...), "read archive after a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Extract(t.Context(), bytes.NewReader(tc.stream), t.TempDir(), ExtractOptions{})
			require.ErrorContains(t, err, tc.err)
		})
	}
	_, err := Extract(t.Context(), bytes.NewReader(good), filepath.Join(t.TempDir(), "missing"), ExtractOptions{})
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.True(t, strings.HasPrefix(err.Error(), "open restore directory"), err.Error())
	assert.False(t, errors.Is(err, syscall.EPERM))
}
