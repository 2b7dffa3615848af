package engine

import (
	"archive/tar"
	"context"
	"errors"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/media"
)

// memberIndex records a run's members in the catalog's file index as the
// archive writer reports them, a batch at a time, from the archive's feed
// goroutine. A failure to index is a warning in the run's log: the data on
// tape is what counts, and restores do not need the index.
type memberIndex struct {
	ctx context.Context
	cat *media.Catalog
	run int64
	log *runLog

	mu     sync.Mutex
	files  map[int]int64 // tape file of each piece
	failed bool
	added  int64
}

func newMemberIndex(ctx context.Context, cat *media.Catalog, run int64, log *runLog) *memberIndex {
	return &memberIndex{ctx: ctx, cat: cat, run: run, log: log, files: map[int]int64{}}
}

// pieceAt records the tape file a piece's data starts at.
func (x *memberIndex) pieceAt(piece int, file int64) {
	x.mu.Lock()
	x.files[piece] = file
	x.mu.Unlock()
}

// add is archive.Backup.OnMembers.
func (x *memberIndex) add(batch []archive.Member) {
	x.mu.Lock()
	if x.failed {
		x.mu.Unlock()
		return
	}
	out := make([]media.Member, 0, len(batch))
	for _, m := range batch {
		out = append(out, media.Member{Run: x.run, Seq: m.Seq, Piece: m.Piece, File: x.files[m.Piece],
			Path: strings.TrimSuffix(m.Name, "/"), Type: memberType(m.Type), Size: m.Size, ModTime: m.ModTime})
	}
	x.mu.Unlock()
	err := x.cat.AddMembers(x.ctx, x.run, out)
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		x.failed = true
		x.log.printf("warning: file index: %v; the members from %s on are not in the index ('restore --list' and 'find' miss them; the data on tape is unaffected)", err, shown(batch[0].Name))
		return
	}
	x.added += int64(len(out))
}

// count returns how many members were indexed, and whether all were.
func (x *memberIndex) count() (int64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.added, !x.failed
}

func memberType(t byte) media.MemberType {
	switch t {
	case tar.TypeReg, '\x00', tar.TypeGNUSparse, tar.TypeCont:
		return media.MemberFile
	case tar.TypeDir:
		return media.MemberDir
	case tar.TypeSymlink:
		return media.MemberSymlink
	case tar.TypeLink:
		return media.MemberHardlink
	}
	return media.MemberOther
}

// memberPatterns turns what a person types into the index's glob patterns.
// A path that starts with "/" is anchored at the top of the archive, whose
// names have no leading "/"; any other is also looked for below any
// directory, so "residents.csv" or "juki/*.csv" finds the file without
// knowing the stored prefix.
func memberPatterns(p string) []string {
	if anchored, ok := strings.CutPrefix(p, "/"); ok {
		return []string{strings.TrimSuffix(anchored, "/")}
	}
	p = strings.TrimSuffix(p, "/")
	if strings.HasPrefix(p, "*") {
		return []string{p}
	}
	return []string{p, "*/" + p}
}

// ListRequest is `tapewarden restore --list`: the members of the runs a
// restore with the same selection would restore, or of one run.
type ListRequest struct {
	System     string `json:"system,omitempty"`
	Job        string `json:"job,omitempty"`
	Generation string `json:"generation,omitempty"`
	Pattern    string `json:"pattern,omitempty"`
	Limit      int    `json:"limit,omitempty"`
}

// ListedRun is one run's members matching a listing.
type ListedRun struct {
	Job        string         `json:"job"`
	Run        int64          `json:"run"`
	Generation string         `json:"generation"`
	Members    []media.Member `json:"members"`
	// More is true when the listing was cut at the limit.
	More bool `json:"more,omitempty"`
}

// ListResult is what `restore --list` shows.
type ListResult struct {
	Runs    []ListedRun  `json:"runs"`
	Missing []MissingJob `json:"missing,omitempty"`
}

// ListMembers lists the indexed members of the runs a restore of the same
// system, job and generation would restore, that match the pattern.
func (d *Engine) ListMembers(ctx context.Context, req ListRequest) (ListResult, error) {
	var res ListResult
	runs, missing, err := d.restoreRuns(ctx, RestoreRequest{System: req.System, Job: req.Job, Generation: req.Generation})
	if err != nil {
		return res, err
	}
	res.Missing = missing
	limit := req.Limit
	if limit <= 0 {
		limit = 1000
	}
	for _, r := range runs {
		lr := ListedRun{Job: r.Job, Run: r.ID, Generation: r.Generation, Members: []media.Member{}}
		ms, more, err := d.members(ctx, r.ID, req.Pattern, limit)
		if err != nil {
			return res, err
		}
		lr.Members, lr.More = ms, more
		res.Runs = append(res.Runs, lr)
	}
	return res, nil
}

// members returns run's members matching pattern (as memberPatterns reads
// it; every member without one), by path, at most limit, and whether there
// were more.
func (d *Engine) members(ctx context.Context, run int64, pattern string, limit int) ([]media.Member, bool, error) {
	pats := []string{""}
	if pattern != "" {
		pats = memberPatterns(pattern)
	}
	seen := map[int64]bool{}
	var out []media.Member
	for _, p := range pats {
		ms, err := d.cat.Members(ctx, media.MemberQuery{Run: run, Pattern: p, Limit: limit + 1})
		if err != nil {
			return nil, false, badPattern(err)
		}
		for _, m := range ms {
			if !seen[m.Seq] {
				seen[m.Seq] = true
				out = append(out, m)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Path < out[j].Path || out[i].Path == out[j].Path && out[i].Seq < out[j].Seq
	})
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func badPattern(err error) error {
	if errors.Is(err, media.ErrBadPattern) {
		return invalid("%v", err)
	}
	return err
}

// Find answers `tapewarden find PATTERN`: which runs, generations and
// cartridges hold a file, newest first.
func (d *Engine) Find(ctx context.Context, pattern string, limit int) ([]media.Holding, error) {
	if strings.TrimSpace(pattern) == "" {
		return nil, invalid("say what to find: a path or a glob such as 'residents.csv' or 'juki/*.csv'")
	}
	byRun := map[int64]*media.Holding{}
	for _, p := range memberPatterns(pattern) {
		hs, err := d.cat.FindMembers(ctx, p, limit)
		if err != nil {
			return nil, badPattern(err)
		}
		for _, h := range hs {
			if have, ok := byRun[h.Run]; ok {
				have.Members += h.Members
				if h.Example < have.Example {
					have.Example = h.Example
				}
				have.Cartridges = union(have.Cartridges, h.Cartridges)
				have.Gone = union(have.Gone, h.Gone)
				continue
			}
			h := h
			byRun[h.Run] = &h
		}
	}
	out := []media.Holding{}
	for _, h := range byRun {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Run > out[j].Run })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

// maxResolvedPaths bounds the members one --path entry may stand for.
const maxResolvedPaths = 100_000

// cleanMember is a --path entry as Extract compares it with member names.
func cleanMember(p string) string {
	c := strings.TrimLeft(path.Clean("/"+p), "/")
	if c == "" {
		return "."
	}
	return c
}

// resolvePaths turns a restore's --path entries into the member names of
// run that Extract selects: each entry the index finds (a glob, or a name
// below any directory) becomes the names it matches; an entry it does not
// find, or any entry for a run made before the index, is kept as given.
// from maps each name to the entry it came from.
func (d *Engine) resolvePaths(ctx context.Context, run int64, paths []string) ([]string, map[string]string, error) {
	var out []string
	from := map[string]string{}
	for _, p := range paths {
		ms, more, err := d.members(ctx, run, p, maxResolvedPaths)
		if err != nil {
			return nil, nil, err
		}
		if more {
			return nil, nil, invalid("--path %s matches more than %d members of run %d; restore the directory that holds them instead", p, maxResolvedPaths, run)
		}
		if len(ms) == 0 {
			out = append(out, p)
			from[cleanMember(p)] = p
			continue
		}
		for _, m := range ms {
			out = append(out, m.Path)
			from[cleanMember(m.Path)] = p
		}
	}
	return out, from, nil
}

// unmatchedEntries returns the --path entries none of whose names
// selected anything.
func unmatchedEntries(paths, only []string, from map[string]string, unmatched []string) []string {
	missed := map[string]bool{}
	for _, u := range unmatched {
		missed[u] = true
	}
	hit := map[string]bool{}
	for _, n := range only {
		c := cleanMember(n)
		if !missed[c] {
			hit[from[c]] = true
		}
	}
	var out []string
	for _, p := range paths {
		if !hit[p] {
			out = append(out, p)
		}
	}
	return out
}
