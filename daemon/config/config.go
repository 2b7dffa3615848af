package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/media/mediatype"
	"github.com/tapewarden/tapewarden/rotation"
)

// DefaultConfigPath is where the daemon and the CLI look for the
// configuration unless told otherwise.
const DefaultConfigPath = "/etc/tapewarden/tapewarden.yaml"

// Config is the whole configuration file.
type Config struct {
	StateDir string `yaml:"state_dir"`
	Timezone string `yaml:"timezone"`
	// Language is what the web console and the printouts speak unless a
	// person chooses otherwise: en or ja.
	Language  string          `yaml:"language"`
	API       APIConfig       `yaml:"api"`
	Metrics   MetricsConfig   `yaml:"metrics"`
	Catalog   CatalogConfig   `yaml:"catalog"`
	Sites     []SiteConfig    `yaml:"sites"`
	Pools     []PoolConfig    `yaml:"pools"`
	Systems   []SystemConfig  `yaml:"systems"`
	Libraries []LibraryConfig `yaml:"libraries"`
	Drives    []DriveConfig   `yaml:"drives"`
	Jobs      []JobConfig     `yaml:"jobs"`
	Scheduler SchedulerConfig `yaml:"scheduler"`
	Prompts   PromptsConfig   `yaml:"prompts"`

	// File is where the configuration was read from.
	File string `yaml:"-"`
	// Location is the parsed Timezone.
	Location *time.Location `yaml:"-"`
	// Demo is set for the embedded demonstration configuration.
	Demo bool `yaml:"-"`
}

// APIConfig is the control socket.
type APIConfig struct {
	// Socket is the unix socket path; default STATE_DIR/api.sock.
	Socket string `yaml:"socket"`
	// AdminGroup may use the API besides root and the daemon's own user.
	AdminGroup string `yaml:"admin_group"`
	// Roles give the members of groups a role on the socket; AdminGroup
	// is one more admin group.
	Roles RolesConfig `yaml:"roles"`
	// Listen is the HTTPS listener (HOST:PORT) for callers that are not
	// on the machine: accounts, API tokens, couriers; off when empty.
	Listen string `yaml:"listen"`
	// TLSCert and TLSKey are the listener's certificate and key (PEM);
	// when both are empty the daemon makes a self-signed one in the
	// state directory on first start and keeps it.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// RestoreDirs are where an operator may restore to (an admin may
	// restore anywhere).
	RestoreDirs []string `yaml:"restore_dirs"`
}

// RolesConfig names, for each role, the groups whose members have it on
// the API socket. Root and the daemon's own user are always admin.
type RolesConfig struct {
	Admin    []string `yaml:"admin"`
	Operator []string `yaml:"operator"`
	Auditor  []string `yaml:"auditor"`
	Viewer   []string `yaml:"viewer"`
}

// MetricsConfig is the Prometheus endpoint. /metrics is always served on
// the API socket; Listen adds a TCP listener (off when empty).
type MetricsConfig struct {
	Listen string `yaml:"listen"`
}

// CatalogConfig tunes the catalog.
type CatalogConfig struct {
	// LabelPatterns accept barcodes that are not LTO labels.
	LabelPatterns []LabelPatternConfig `yaml:"label_patterns"`
	// ManifestOverdue is how long a manifest may be in transit (default 24h).
	ManifestOverdue Duration `yaml:"manifest_overdue"`
	// MinFreeMB is the free space, in MiB, the state directory's file
	// system must keep for the catalog's writes (default 64). A run does
	// not start with less, and `tapewarden check` reports it.
	MinFreeMB int64 `yaml:"min_free_mb"`
	// CopiesDir is where 'catalog copy' may write and replace copies
	// (default STATE_DIR/copies). Elsewhere it only creates new files.
	CopiesDir string `yaml:"copies_dir"`
	// Copies, when set, has the daemon copy the catalog on its own
	// schedule into the copies directory and send the newest copy away.
	Copies *CopiesConfig `yaml:"copies"`
	// RecoverySheet is the file the daemon writes the recovery sheet to
	// after each night; its extension says the format: .pdf, .html or
	// .txt. Default STATE_DIR/recovery-sheet.pdf.
	RecoverySheet string `yaml:"recovery_sheet"`
}

// LabelPatternConfig is one accepted barcode form.
type LabelPatternConfig struct {
	Pattern   Regexp `yaml:"pattern"`
	MediaType string `yaml:"media_type"`
	Line      int    `yaml:"-"`
}

// DefaultInspectEvery is how often a site must be physically inspected
// when its configuration does not say: once a quarter.
const DefaultInspectEvery = 90 * 24 * time.Hour

// SiteConfig is a building that holds cartridges.
type SiteConfig struct {
	Name       string   `yaml:"name"`
	Kind       string   `yaml:"kind"`
	DistanceKM float64  `yaml:"distance_km"`
	Hazards    []string `yaml:"hazards"`
	Address    string   `yaml:"address"`
	// InspectEvery is how often the site must be physically inspected;
	// default 90 days.
	InspectEvery Duration      `yaml:"inspect_every"`
	Places       []PlaceConfig `yaml:"places"`
	Line         int           `yaml:"-"`
}

// PlaceConfig is a storage place within a site.
type PlaceConfig struct {
	Name string `yaml:"name"`
	Kind string `yaml:"kind"`
	// Properties are the protections the place offers: lockable,
	// fireproof (fire and heat), waterproof (water and humidity),
	// access-controlled. The policy check holds them against the classes
	// of the data on the cartridges kept there.
	Properties []string `yaml:"properties"`
	Line       int      `yaml:"-"`
}

// RotationPlace maps a configured storage place to rotation's type.
func (p PlaceConfig) RotationPlace() rotation.Place {
	rp := rotation.Place{Name: p.Name, Kind: p.Kind}
	for _, prop := range p.Properties {
		rp.Properties = append(rp.Properties, rotation.PlaceProperty(prop))
	}
	return rp
}

// PoolConfig is a media pool and its rotation.
type PoolConfig struct {
	Name      string            `yaml:"name"`
	MediaType string            `yaml:"media_type"`
	Scheme    string            `yaml:"scheme"`
	Scratch   string            `yaml:"scratch"`
	Cycle     *rotation.Cycle   `yaml:"cycle"`
	GFS       *rotation.GFS     `yaml:"gfs"`
	Release   *rotation.Release `yaml:"release"`
	Offsite   *rotation.Offsite `yaml:"offsite"`
	Waiver    *rotation.Waiver  `yaml:"waiver"`
	// Encryption is none (the default) or age: the pool's data files are
	// then encrypted to Recipients (age1… public keys; several allowed,
	// e.g. the ICT department's and an escrow key).
	Encryption string      `yaml:"encryption"`
	Recipients []Recipient `yaml:"recipients"`
	// RestoreIdentityFile is an age identity file readable only by the
	// daemon's user, used by restores that are not given --identity. The
	// identity itself never goes in the configuration.
	RestoreIdentityFile string         `yaml:"restore_identity_file"`
	Line                int            `yaml:"-"`
	KeyLines            map[string]int `yaml:"-"` // line of each key, so a problem in cycle points at cycle:
}

// Recipient is one age recipient (age1…) of a pool, with the line it is
// on so that config check can point at it.
type Recipient struct {
	Value string
	Line  int
}

// Encrypted reports whether the pool's data files are encrypted.
func (p PoolConfig) Encrypted() bool { return p.Encryption == "age" }

// RecipientStrings returns the pool's recipients as age1… strings.
func (p PoolConfig) RecipientStrings() []string {
	var out []string
	for _, r := range p.Recipients {
		out = append(out, r.Value)
	}
	return out
}

// SystemConfig is one entry of the standard's inventory of systems.
type SystemConfig struct {
	Name         string   `yaml:"name"`
	Title        string   `yaml:"title"`
	Manager      string   `yaml:"manager"`
	Servers      []string `yaml:"servers"`
	MainData     string   `yaml:"main_data"`
	Importance   string   `yaml:"importance"`   // I, II, III or IV
	Availability int      `yaml:"availability"` // 1 or 2
	// Confidentiality and Integrity are the standard's classes of the
	// system's information, 1 or 2; 0 when the configuration does not say.
	// A cartridge carries the highest class of the data on it, and class 2
	// data leaving the building must be encrypted.
	Confidentiality  int     `yaml:"confidentiality"`
	Integrity        int     `yaml:"integrity"`
	UpdatesPerWeek   float64 `yaml:"updates_per_week"`
	RestorePriority  int     `yaml:"restore_priority"`
	VendorContact    string  `yaml:"vendor_contact"`
	RestoreProcedure bool    `yaml:"restore_procedure_documented"`
	Line             int     `yaml:"-"`
}

// LibraryConfig is an autoloader or library.
type LibraryConfig struct {
	Name string `yaml:"name"`
	Site string `yaml:"site"`
	// Type is mtx (a real changer through mtx) or virtual.
	Type string `yaml:"type"`
	// Device is the changer's sg node for mtx, or the state directory of a
	// virtual library (default STATE_DIR/libraries/NAME).
	Device    string `yaml:"device"`
	Slots     int    `yaml:"slots"`
	MailSlots int    `yaml:"mailslots"`
	// Drives maps changer drive elements (mtx numbering, from 0) to
	// configured drives. It is never guessed.
	Drives []LibraryDriveConfig `yaml:"drives"`
	// AddUnknown adds cartridges with unknown barcodes found at inventory
	// to the catalog; otherwise they are only reported.
	AddUnknown bool `yaml:"add_unknown"`
	Line       int  `yaml:"-"`
}

// LibraryDriveConfig ties a changer drive element to a drive.
type LibraryDriveConfig struct {
	Element int    `yaml:"element"`
	Drive   string `yaml:"drive"`
	Line    int    `yaml:"-"`
}

// DriveConfig is a tape drive, or a directory drive for removable disks.
type DriveConfig struct {
	Name string `yaml:"name"`
	Site string `yaml:"site"`
	// Type is st (a Linux tape device), virtual, or directory (a mounted
	// removable disk: RDX, USB disk, optical disc).
	Type string `yaml:"type"`
	// Device is the no-rewind node (/dev/tape/by-id/...-nst) or, for a
	// virtual drive, its state file (default STATE_DIR/drives/NAME.json).
	Device string `yaml:"device"`
	// SGDevice is the drive's SCSI generic node, for TapeAlert.
	SGDevice string `yaml:"sg_device"`
	// MediaType is the drive's generation, e.g. LTO-8 or DDS-4.
	MediaType string `yaml:"media_type"`
	// BlockSize is the tape block size in bytes (default 262144).
	BlockSize int `yaml:"block_size"`
	// Cleaning is the drive's cleaning policy: on_request (LTO: clean only
	// when the drive asks) and/or every_days, every_mounts,
	// every_motion_hours. A drive without one is a policy-check finding.
	Cleaning *rotation.CleaningPolicy `yaml:"cleaning"`
	// SpeedMBs limits a virtual drive to this many MB/s, to model a real
	// drive's pace (0: memory speed).
	SpeedMBs float64 `yaml:"speed_mb_s"`
	// Label is a shell pattern of the file system labels of a directory
	// drive's disks ("TWUSB*"); UUID lists their file system UUIDs. The
	// disk is found under /dev/disk/by-label or by-uuid and its mount
	// point in /proc/self/mountinfo.
	Label string   `yaml:"label"`
	UUID  []string `yaml:"uuid"`
	// MountCommand mounts an attached, unmounted disk (argv, no shell;
	// {device}, {label} and {uuid} are replaced).
	MountCommand []string `yaml:"mount_command"`
	// Path makes a directory drive take this directory for the mounted
	// disk instead of looking for one (tests, the demo, a fixed mount
	// point).
	Path string `yaml:"path"`
	// CapacityMB, if set, is the most a directory drive writes to one disk,
	// in MB; otherwise the disk's free space is the limit.
	CapacityMB int64 `yaml:"capacity_mb"`
	Line       int   `yaml:"-"`
}

// JobConfig is a backup job.
type JobConfig struct {
	Name   string `yaml:"name"`
	System string `yaml:"system"`
	Pool   string `yaml:"pool"`
	// Schedule is a cron expression (minute hour day-of-month month
	// day-of-week) or a descriptor (@daily, @weekly, @every 4h) in the
	// configured time zone; empty means the job runs only when asked.
	Schedule string       `yaml:"schedule"`
	Source   SourceConfig `yaml:"source"`
	// PreCommand runs before the data is written (the standard's "stop the
	// service"); if it fails the run fails before the tape is written.
	// PostCommand runs afterwards whatever happened ("start the service").
	PreCommand  []string `yaml:"pre_command"`
	PostCommand []string `yaml:"post_command"`
	// Verify is checksum (re-read what was written and compare SHA-256,
	// the default) or none.
	Verify string `yaml:"verify"`
	// ExpectedDuration is how long a run normally takes.
	ExpectedDuration Duration `yaml:"expected_duration"`
	// MaxAge is how old the last success may be before monitoring alerts;
	// default the schedule's period plus six hours.
	MaxAge Duration `yaml:"max_age"`
	// Drives restricts the job to these drives.
	Drives []string `yaml:"drives"`
	// BlockSize overrides the drive's block size.
	BlockSize int `yaml:"block_size"`
	// CommandTimeout bounds each pre and post command (default 1h).
	CommandTimeout Duration `yaml:"command_timeout"`
	// Env is the environment of the job's pre-, post- and source commands
	// besides a minimal set (PATH, HOME, LANG, TZ, TAPEWARDEN_*): they do
	// not inherit the daemon's.
	Env map[string]string `yaml:"env"`
	// SecretEnv is more of that environment whose values never reach a
	// log: they are masked in the run log, in the commands' output there
	// and in the run's reason.
	SecretEnv map[string]string `yaml:"secret_env"`
	// LogArguments puts the commands' arguments in the run log; by
	// default it names only the program.
	LogArguments bool `yaml:"log_arguments"`
	Line         int  `yaml:"-"`
}

// SourceConfig is what a job backs up: paths, or a command's output.
type SourceConfig struct {
	Paths   []string `yaml:"paths"`
	Command []string `yaml:"command"`
	// Name is the member name for a command's output (default JOB.out).
	Name string `yaml:"name"`
}

// SchedulerConfig tunes the scheduler.
type SchedulerConfig struct {
	// CatchUp is how late a run missed while the daemon was down may still
	// be started at start-up; older ones are recorded as missed. Default 6h.
	CatchUp Duration `yaml:"catch_up"`
	// CheckBefore is how long before each night's first scheduled run the
	// daemon runs the pre-flight check of every job (default 1h).
	CheckBefore Duration `yaml:"check_before"`
}

// PromptsConfig says how people are asked to act.
type PromptsConfig struct {
	// Command runs for each new prompt and each reminder, with the prompt
	// in its environment (TAPEWARDEN_PROMPT_*), so sites can mail, chat or
	// page.
	Command []string `yaml:"command"`
	// RemindEvery repeats the command for an open prompt (default 30m).
	RemindEvery Duration `yaml:"remind_every"`
	// EscalateAfter is the age after which reminders escalate
	// (TAPEWARDEN_PROMPT_ESCALATED=1, and EscalateCommand if set);
	// default 2h.
	EscalateAfter   Duration `yaml:"escalate_after"`
	EscalateCommand []string `yaml:"escalate_command"`
	// LoadTimeout is how long a run waits for a person to load a
	// cartridge before it fails (default 4h).
	LoadTimeout Duration `yaml:"load_timeout"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// Place kinds the configuration accepts.
var placeKinds = []string{"shelf", "cabinet", "safe", "fireproof-safe", "vault", "desk", "receiving"}

// LoadConfig reads and validates the configuration file at path.
func LoadConfig(path string) (*Config, error) { return loadConfig(path, false) }

// loadConfig reads the file at path and parses it as parseConfig does.
func loadConfig(path string, forPolicyCheck bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return parseConfig(path, data, forPolicyCheck)
}

// ParseConfig decodes and validates a configuration. The error lists every
// problem found, each with file, line and field, and wraps ErrConfig.
func ParseConfig(file string, data []byte) (*Config, error) { return parseConfig(file, data, false) }

// parseConfig is ParseConfig, or ParsePolicyConfig when forPolicyCheck is
// set: then the problems the policy check reports itself are left to it.
func parseConfig(file string, data []byte, forPolicyCheck bool) (*Config, error) {
	var cfg Config
	if line := findIdentity(data); line > 0 {
		return nil, identityError(file, line)
	}
	if errs := decodeStrictYAML(file, data, &cfg); len(errs) > 0 {
		return nil, errs
	}
	cfg.File = file
	cfg.applyDefaults()
	errs := cfg.validate()
	if forPolicyCheck {
		errs = slices.DeleteFunc(errs, belowMinimum)
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return &cfg, nil
}

//go:embed demo.yaml
var demoYAML []byte

// DemoYAML is the embedded demonstration configuration.
func DemoYAML() []byte { return slices.Clone(demoYAML) }

// DemoConfig returns the embedded demonstration configuration with its
// state in stateDir.
func DemoConfig(stateDir string) (*Config, error) {
	cfg, err := ParseConfig("demo.yaml (embedded)", demoYAML)
	if err != nil {
		return nil, err
	}
	cfg.Demo = true
	// The demo's paths under its nominal state directory move to the real
	// one.
	relocate := func(s string) string {
		if rest, ok := strings.CutPrefix(s, cfg.StateDir+"/"); ok {
			return filepath.Join(stateDir, rest)
		}
		return strings.ReplaceAll(s, cfg.StateDir+"/", stateDir+"/")
	}
	for i := range cfg.Jobs {
		j := &cfg.Jobs[i]
		for k := range j.Source.Paths {
			j.Source.Paths[k] = relocate(j.Source.Paths[k])
		}
		for k := range j.Source.Command {
			j.Source.Command[k] = relocate(j.Source.Command[k])
		}
	}
	for k := range cfg.Prompts.Command {
		cfg.Prompts.Command[k] = relocate(cfg.Prompts.Command[k])
	}
	if cc := cfg.Catalog.Copies; cc != nil {
		for k := range cc.Send {
			cc.Send[k] = relocate(cc.Send[k])
		}
	}
	recipient, err := demoKey(stateDir)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Pools {
		p := &cfg.Pools[i]
		if p.RestoreIdentityFile != "" {
			p.RestoreIdentityFile = relocate(p.RestoreIdentityFile)
		}
		if p.Encrypted() {
			p.Recipients = append([]Recipient{{Value: recipient, Line: p.Line}}, p.Recipients...)
		}
	}
	for k := range cfg.API.RestoreDirs {
		cfg.API.RestoreDirs[k] = relocate(cfg.API.RestoreDirs[k])
	}
	cfg.StateDir = stateDir
	cfg.API.Socket = filepath.Join(stateDir, "api.sock")
	return cfg, nil
}

// DemoKeyName is the demo's own age identity in its state directory: the
// ICT department's key of the demo's encrypted pools.
const DemoKeyName = "demo-ict.key"

// demoKey returns the recipient of the demo's key in stateDir, making the
// key (mode 0600) when the directory exists and has none. Without the
// directory (config check --demo) the key is made in memory only, so that
// the configuration checked has the shape the running demo has.
func demoKey(stateDir string) (string, error) {
	path := filepath.Join(stateDir, DemoKeyName)
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		ids, err := archive.ReadIdentityFile(path)
		if err == nil && len(ids.X25519()) == 0 {
			err = errors.New("it holds no identity")
		}
		if err != nil {
			return "", fmt.Errorf("the demo's key %s: %w (remove it to make a new one)", path, err)
		}
		return ids.X25519()[0].Recipient().String(), nil
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(stateDir); err != nil || !fi.IsDir() {
		return id.Recipient().String(), nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("make the demo's key: %w", err)
	}
	_, err = fmt.Fprintf(f, "# the tapewarden demo's key (the ICT department's), made %s\n# public key: %s\n%s\n",
		time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // a partial key; the next start makes a new one
		return "", fmt.Errorf("make the demo's key: %w", err)
	}
	return id.Recipient().String(), nil
}

// validateAPI checks the api section: the listener's address, its
// certificate and key given together, absolute restore directories, and
// groups named once.
func (c *Config) validateAPI(v *validator) {
	a := c.API
	if a.Listen != "" {
		if _, _, err := net.SplitHostPort(a.Listen); err != nil {
			v.fail(0, "api.listen", "%q is not HOST:PORT (e.g. :8443, or 127.0.0.1:8443 for this machine only)", a.Listen)
		}
	}
	if (a.TLSCert == "") != (a.TLSKey == "") {
		v.fail(0, "api.tls_cert", "give both api.tls_cert and api.tls_key, or neither (then a self-signed certificate is made)")
	}
	for _, f := range []struct{ name, path string }{{"api.tls_cert", a.TLSCert}, {"api.tls_key", a.TLSKey}} {
		if f.path != "" && !filepath.IsAbs(f.path) {
			v.fail(0, f.name, "%q must be an absolute path", f.path)
		}
	}
	for i, d := range a.RestoreDirs {
		if !filepath.IsAbs(d) || filepath.Clean(d) == "/" {
			v.fail(0, fmt.Sprintf("api.restore_dirs[%d]", i), "%q must be an absolute path below / (a directory operators may restore into)", d)
		}
	}
	seen := map[string]string{}
	for _, r := range []struct {
		role   string
		groups []string
	}{{"admin", a.Roles.Admin}, {"operator", a.Roles.Operator}, {"auditor", a.Roles.Auditor}, {"viewer", a.Roles.Viewer}} {
		for _, g := range r.groups {
			if g == "" {
				v.fail(0, "api.roles."+r.role, "an empty group name; remove it")
				continue
			}
			if other, dup := seen[g]; dup && other != r.role {
				v.fail(0, "api.roles."+r.role, "group %s is already given the role %s; a group has one role", g, other)
			}
			seen[g] = r.role
		}
	}
}

// SocketPath is the API socket.
func (c *Config) SocketPath() string {
	if c.API.Socket != "" {
		return c.API.Socket
	}
	return filepath.Join(c.StateDir, "api.sock")
}

// DrivePath is a drive's device, or a virtual drive's state file.
func (c *Config) DrivePath(d *DriveConfig) string {
	if d.Device != "" {
		return d.Device
	}
	return filepath.Join(c.StateDir, "drives", d.Name+".json")
}

// LibraryPath is a library's changer device, or a virtual library's state
// directory.
func (c *Config) LibraryPath(l *LibraryConfig) string {
	if l.Device != "" {
		return l.Device
	}
	return filepath.Join(c.StateDir, "libraries", l.Name)
}

// CopiesPath is the directory for copies of the catalog.
func (c *Config) CopiesPath() string {
	if c.Catalog.CopiesDir != "" {
		return c.Catalog.CopiesDir
	}
	return filepath.Join(c.StateDir, "copies")
}

// RecoverySheetPath is the file the daemon writes the recovery sheet to.
func (c *Config) RecoverySheetPath() string {
	if c.Catalog.RecoverySheet != "" {
		return c.Catalog.RecoverySheet
	}
	return filepath.Join(c.StateDir, "recovery-sheet.pdf")
}

// RecoverySheetFormat is the format of the recovery sheet file, from its
// extension: pdf, html or text; "" for an extension that says none.
func (c *Config) RecoverySheetFormat() string {
	switch strings.ToLower(filepath.Ext(c.RecoverySheetPath())) {
	case ".pdf":
		return "pdf"
	case ".html", ".htm":
		return "html"
	case ".txt":
		return "text"
	}
	return ""
}

// CatalogPath is the catalog database file.
func (c *Config) CatalogPath() string { return filepath.Join(c.StateDir, "catalog.db") }

// PrimarySite is the machine room.
func (c *Config) PrimarySite() *SiteConfig {
	for i := range c.Sites {
		if c.Sites[i].Kind == "machine-room" {
			return &c.Sites[i]
		}
	}
	return nil
}

// Site returns the named site.
func (c *Config) Site(name string) *SiteConfig {
	for i := range c.Sites {
		if c.Sites[i].Name == name {
			return &c.Sites[i]
		}
	}
	return nil
}

// Pool returns the named pool.
func (c *Config) Pool(name string) *PoolConfig {
	for i := range c.Pools {
		if c.Pools[i].Name == name {
			return &c.Pools[i]
		}
	}
	return nil
}

// Drive returns the named drive.
func (c *Config) Drive(name string) *DriveConfig {
	for i := range c.Drives {
		if c.Drives[i].Name == name {
			return &c.Drives[i]
		}
	}
	return nil
}

// Job returns the named job.
func (c *Config) Job(name string) *JobConfig {
	for i := range c.Jobs {
		if c.Jobs[i].Name == name {
			return &c.Jobs[i]
		}
	}
	return nil
}

// JobNames lists the jobs' names in configuration order.
func (c *Config) JobNames() []string {
	names := make([]string, len(c.Jobs))
	for i, j := range c.Jobs {
		names[i] = j.Name
	}
	return names
}

// System returns the named system.
func (c *Config) System(name string) *SystemConfig {
	for i := range c.Systems {
		if c.Systems[i].Name == name {
			return &c.Systems[i]
		}
	}
	return nil
}

// Library returns the named library.
func (c *Config) Library(name string) *LibraryConfig {
	for i := range c.Libraries {
		if c.Libraries[i].Name == name {
			return &c.Libraries[i]
		}
	}
	return nil
}

// LibraryOf returns the library holding a drive and the drive's element.
func (c *Config) LibraryOf(drive string) (*LibraryConfig, int) {
	for i := range c.Libraries {
		for _, d := range c.Libraries[i].Drives {
			if d.Drive == drive {
				return &c.Libraries[i], d.Element
			}
		}
	}
	return nil, -1
}

// LabelPatterns converts the configured barcode patterns.
func (c *Config) LabelPatterns() []media.LabelPattern {
	out := make([]media.LabelPattern, 0, len(c.Catalog.LabelPatterns))
	for _, p := range c.Catalog.LabelPatterns {
		out = append(out, media.LabelPattern{Pattern: p.Pattern.Regexp, MediaType: p.MediaType})
	}
	return out
}

// Topology is the configuration as the catalog sees it.
func (c *Config) Topology() media.Topology {
	var t media.Topology
	for _, s := range c.Sites {
		site := media.Site{Name: s.Name, Kind: s.Kind, DistanceKM: s.DistanceKM, Hazards: s.Hazards}
		for _, p := range s.Places {
			site.Places = append(site.Places, media.Place{Name: p.Name, Kind: p.Kind})
		}
		t.Sites = append(t.Sites, site)
	}
	for _, l := range c.Libraries {
		t.Libraries = append(t.Libraries, media.Library{Name: l.Name, Site: l.Site, Slots: l.Slots, MailSlots: l.MailSlots})
	}
	for _, d := range c.Drives {
		lib, _ := c.LibraryOf(d.Name)
		md := media.Drive{Name: d.Name, Site: d.Site, MediaType: d.MediaType}
		if lib != nil {
			md.Library = lib.Name
		}
		t.Drives = append(t.Drives, md)
	}
	for _, p := range c.Pools {
		t.Pools = append(t.Pools, media.Pool{Name: p.Name, MediaType: p.MediaType})
	}
	return t
}

// validator collects semantic problems with their lines.
type validator struct {
	file string
	errs ConfigErrors
}

func (v *validator) fail(line int, field, format string, args ...any) {
	v.errs = append(v.errs, &ConfigError{File: v.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// rotationIssue records a problem rotation found in pool p (at field f,
// "pools[2]"): at the line of the key it is about (the cycle: line for
// cycle.cartridges), keeping its rule.
func (v *validator) rotationIssue(p PoolConfig, f string, is rotation.Issue) {
	line, field := p.Line, f
	if is.Field != "" {
		field = f + "." + is.Field
		key, _, _ := strings.Cut(is.Field, ".")
		if l, ok := p.KeyLines[key]; ok {
			line = l
		}
	}
	v.errs = append(v.errs, &ConfigError{File: v.file, Line: line, Field: field, Msg: is.Message, rule: is.Rule})
}

// placeProperties checks a storage place's properties: each a known one,
// none given twice.
func (v *validator) placeProperties(p PlaceConfig, field string) {
	var known []string
	for _, k := range rotation.PlaceProperties {
		known = append(known, string(k))
	}
	seen := map[string]bool{}
	for i, prop := range p.Properties {
		f := fmt.Sprintf("%s.properties[%d]", field, i)
		switch {
		case !slices.Contains(known, prop):
			v.fail(p.Line, f, "%q is not a property of a storage place; expected any of %s", prop, strings.Join(known, ", "))
		case seen[prop]:
			v.fail(p.Line, f, "%q is given twice; list each property once", prop)
		}
		seen[prop] = true
	}
}

func (v *validator) name(line int, field, name string) {
	if !nameRE.MatchString(name) {
		if name == "" {
			v.fail(line, field, "missing; give a name of lower-case letters, digits, '.', '_' or '-'")
		} else {
			v.fail(line, field, "%q is not a valid name; use lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", name)
		}
	}
}

// unique checks an entry's name, and that no earlier entry of its kind
// has it; seen maps each name to the line that first defines it.
func (v *validator) unique(seen map[string]int, line int, field, kind, name string) {
	v.name(line, field, name)
	if first, dup := seen[name]; dup {
		v.fail(line, field, "%s %q is defined twice (first at line %d)", kind, name, first)
	}
	seen[name] = line
}

// applyDefaults fills in, in one pass, every value the file may leave
// out. It reports nothing: validate, which runs after it and changes
// nothing, does.
func (c *Config) applyDefaults() {
	if c.StateDir == "" {
		c.StateDir = "/var/lib/tapewarden"
	}
	if c.Timezone == "" {
		c.Timezone = "Local"
	}
	if c.Language == "" {
		c.Language = "en"
	}
	c.Location = time.Local
	if loc, err := time.LoadLocation(c.Timezone); err == nil {
		c.Location = loc
	}
	for i := range c.Sites {
		if c.Sites[i].InspectEvery == 0 {
			c.Sites[i].InspectEvery = Duration(DefaultInspectEvery)
		}
	}
	for i := range c.Drives {
		if c.Drives[i].BlockSize == 0 {
			c.Drives[i].BlockSize = 256 << 10
		}
	}
	for i := range c.Pools {
		if c.Pools[i].Encryption == "" {
			c.Pools[i].Encryption = "none"
		}
	}
	for i := range c.Jobs {
		j := &c.Jobs[i]
		if j.Verify == "" {
			j.Verify = "checksum"
		}
		if j.CommandTimeout == 0 {
			j.CommandTimeout = Duration(time.Hour)
		}
		if j.Source.Name == "" && len(j.Source.Command) > 0 {
			j.Source.Name = j.Name + ".out"
		}
	}
	if c.Scheduler.CatchUp == 0 {
		c.Scheduler.CatchUp = Duration(6 * time.Hour)
	}
	if c.Scheduler.CheckBefore == 0 {
		c.Scheduler.CheckBefore = Duration(time.Hour)
	}
	if c.Catalog.MinFreeMB == 0 {
		c.Catalog.MinFreeMB = 64
	}
	if c.Prompts.RemindEvery == 0 {
		c.Prompts.RemindEvery = Duration(30 * time.Minute)
	}
	if c.Prompts.EscalateAfter == 0 {
		c.Prompts.EscalateAfter = Duration(2 * time.Hour)
	}
	if c.Prompts.LoadTimeout == 0 {
		c.Prompts.LoadTimeout = Duration(4 * time.Hour)
	}
	if c.Catalog.ManifestOverdue == 0 {
		c.Catalog.ManifestOverdue = Duration(24 * time.Hour)
	}
	c.Catalog.Copies.applyDefaults()
}

// validate reports every problem in a configuration whose defaults are
// applied; it changes nothing.
func (c *Config) validate() ConfigErrors {
	v := &validator{file: c.File}
	if !filepath.IsAbs(c.StateDir) {
		v.fail(0, "state_dir", "%q must be an absolute path", c.StateDir)
	}
	if c.Catalog.CopiesDir != "" && !filepath.IsAbs(c.Catalog.CopiesDir) {
		v.fail(0, "catalog.copies_dir", "%q must be an absolute path", c.Catalog.CopiesDir)
	}
	c.validateCopies(v)
	if rs := c.Catalog.RecoverySheet; rs != "" {
		if !filepath.IsAbs(rs) {
			v.fail(0, "catalog.recovery_sheet", "%q must be an absolute path", rs)
		} else if c.RecoverySheetFormat() == "" {
			v.fail(0, "catalog.recovery_sheet", "%q: end the name in .pdf, .html or .txt, the format the sheet is written in", rs)
		}
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		v.fail(0, "timezone", "unknown time zone %q; use an IANA name such as Asia/Tokyo", c.Timezone)
	}
	if c.Language != "en" && c.Language != "ja" {
		v.fail(0, "language", "%q is not a language tapewarden speaks; write en (English) or ja (Japanese)", c.Language)
	}
	if c.API.Socket != "" && !filepath.IsAbs(c.API.Socket) {
		v.fail(0, "api.socket", "%q must be an absolute path", c.API.Socket)
	}
	c.validateAPI(v)
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			v.fail(0, "metrics.listen", "%q is not host:port (e.g. 127.0.0.1:9847)", c.Metrics.Listen)
		}
	}
	if c.Scheduler.CheckBefore.D() < time.Minute || c.Scheduler.CheckBefore.D() > 23*time.Hour {
		v.fail(0, "scheduler.check_before", "%s: expected between 1m and 23h (how long before the night's first run the pre-flight check runs; e.g. 1h)", c.Scheduler.CheckBefore.D())
	}
	if c.Catalog.MinFreeMB < 1 {
		v.fail(0, "catalog.min_free_mb", "%d: expected a positive number of MiB the state directory must keep free (e.g. 64)", c.Catalog.MinFreeMB)
	}
	for i, p := range c.Catalog.LabelPatterns {
		f := fmt.Sprintf("catalog.label_patterns[%d]", i)
		if p.Pattern.Regexp == nil {
			v.fail(p.Line, f+".pattern", "missing; give a regular expression the whole barcode must match")
		}
		if p.MediaType != "" && !mediatype.Known(p.MediaType) {
			v.fail(p.Line, f+".media_type", "unknown media type %q; known: %s", p.MediaType, strings.Join(mediatype.Names(), ", "))
		}
	}

	sites := map[string]int{}
	machineRooms := 0
	for i, s := range c.Sites {
		f := fmt.Sprintf("sites[%d]", i)
		if s.Name == "transit" {
			v.fail(s.Line, f+".name", "\"transit\" is reserved for cartridges with a courier")
		}
		v.unique(sites, s.Line, f+".name", "site", s.Name)
		switch s.Kind {
		case "machine-room":
			machineRooms++
			if s.DistanceKM != 0 {
				v.fail(s.Line, f+".distance_km", "the machine room is the primary site; its distance is 0")
			}
		case "other-building", "remote-site":
			if s.DistanceKM <= 0 {
				v.fail(s.Line, f+".distance_km", "give the distance in km from the machine room (a positive number)")
			}
		case "":
			v.fail(s.Line, f+".kind", "missing; expected machine-room, other-building or remote-site")
		default:
			v.fail(s.Line, f+".kind", "%q is not a site kind; expected machine-room, other-building or remote-site", s.Kind)
		}
		places := map[string]int{}
		if len(s.Places) == 0 {
			v.fail(s.Line, f+".places", "a site needs at least one storage place (shelf, fireproof-safe, vault, ...)")
		}
		for j, p := range s.Places {
			pf := fmt.Sprintf("%s.places[%d]", f, j)
			v.name(p.Line, pf+".name", p.Name)
			if line, dup := places[p.Name]; dup {
				v.fail(p.Line, pf+".name", "place %q is defined twice at site %s (first at line %d)", p.Name, s.Name, line)
			}
			places[p.Name] = p.Line
			if !slices.Contains(placeKinds, p.Kind) {
				v.fail(p.Line, pf+".kind", "%q is not a place kind; expected one of %s", p.Kind, strings.Join(placeKinds, ", "))
			}
			v.placeProperties(p, pf)
		}
	}
	if len(c.Sites) > 0 && machineRooms != 1 {
		v.fail(0, "sites", "exactly one site must be of kind machine-room (found %d)", machineRooms)
	}
	if len(c.Sites) == 0 {
		v.fail(0, "sites", "no sites are configured; at least the machine room is needed")
	}

	pools := map[string]int{}
	for i, p := range c.Pools {
		f := fmt.Sprintf("pools[%d]", i)
		v.unique(pools, p.Line, f+".name", "pool", p.Name)
		if !mediatype.Known(p.MediaType) || mediatype.IsCleaning(p.MediaType) {
			v.fail(p.Line, f+".media_type", "%q is not a data media type; known: %s", p.MediaType, strings.Join(mediatype.Names(), ", "))
		}
	}
	for i, p := range c.Pools {
		f := fmt.Sprintf("pools[%d]", i)
		if p.Scratch != "" {
			if _, ok := pools[p.Scratch]; !ok {
				v.fail(p.Line, f+".scratch", "refers to pool %q, which is not defined", p.Scratch)
			}
		}
		if p.Offsite != nil {
			for _, field := range []struct{ name, site string }{{"site", p.Offsite.Site}, {"remote_site", p.Offsite.RemoteSite}} {
				if field.site == "" {
					continue
				}
				if _, ok := sites[field.site]; !ok {
					v.fail(p.Line, f+".offsite."+field.name, "refers to site %q, which is not defined", field.site)
				}
			}
		}
		v.encryption(p, f)
		if p.Scheme == "" {
			v.fail(p.Line, f+".scheme", "missing; expected cycle, gfs, release or scratch")
		} else {
			for _, is := range c.rotationPoolChecked(p).Issues() {
				v.rotationIssue(p, f, is)
			}
		}
	}

	systems := map[string]int{}
	priorities := map[int]string{}
	for i, s := range c.Systems {
		f := fmt.Sprintf("systems[%d]", i)
		v.unique(systems, s.Line, f+".name", "system", s.Name)
		switch s.Importance {
		case "I", "II", "III", "IV":
		default:
			v.fail(s.Line, f+".importance", "%q is not an importance class; expected I, II, III or IV", s.Importance)
		}
		if s.Availability != 1 && s.Availability != 2 {
			v.fail(s.Line, f+".availability", "%d is not an availability class; expected 1 or 2", s.Availability)
		}
		if s.Confidentiality < 0 || s.Confidentiality > 2 {
			v.fail(s.Line, f+".confidentiality", "%d is not a confidentiality class; expected 1 or 2 (2: data that must be encrypted when it leaves the building)", s.Confidentiality)
		}
		if s.Integrity < 0 || s.Integrity > 2 {
			v.fail(s.Line, f+".integrity", "%d is not an integrity class; expected 1 or 2 (or leave it out)", s.Integrity)
		}
		if s.UpdatesPerWeek < 0 {
			v.fail(s.Line, f+".updates_per_week", "must not be negative")
		}
		if s.RestorePriority < 0 {
			v.fail(s.Line, f+".restore_priority", "must not be negative (1 is restored first)")
		} else if other, dup := priorities[s.RestorePriority]; dup && s.RestorePriority > 0 {
			v.fail(s.Line, f+".restore_priority", "%d is already given to system %s; each system gets its own place in the restore order", s.RestorePriority, other)
		} else if s.RestorePriority > 0 {
			priorities[s.RestorePriority] = s.Name
		}
	}

	drives := map[string]int{}
	for i, d := range c.Drives {
		f := fmt.Sprintf("drives[%d]", i)
		v.unique(drives, d.Line, f+".name", "drive", d.Name)
		c.checkSite(v, d.Line, f+".site", d.Site, sites)
		switch d.Type {
		case "st":
			if d.Device == "" {
				v.fail(d.Line, f+".device", "missing; give the no-rewind device, preferably /dev/tape/by-id/...-nst")
			}
		case "virtual":
		case "directory":
			c.checkDirectoryDrive(v, d, f)
		default:
			v.fail(d.Line, f+".type", "%q is not a drive type; expected st, virtual or directory", d.Type)
		}
		if d.Type != "directory" {
			if mediatype.CleanerFor(d.MediaType) == "" {
				v.fail(d.Line, f+".media_type", "%q is not a tape drive generation (e.g. LTO-8, DDS-4)", d.MediaType)
			}
			if d.Label != "" || len(d.UUID) > 0 || len(d.MountCommand) > 0 || d.Path != "" || d.CapacityMB != 0 {
				v.fail(d.Line, f+".type", "label, uuid, mount_command, path and capacity_mb belong to a directory drive (type: directory), not a %s one", d.Type)
			}
		}
		if !validBlockSize(d.BlockSize) {
			v.fail(d.Line, f+".block_size", "%d: expected a multiple of 512 between 512 and 8 MiB (256 KiB is usual)", d.BlockSize)
		} else if d.Type == "virtual" {
			// A virtual drive's limits are known now; an st drive's at
			// its first use.
			if err := virtualDriveLimits.Check(d.Name, d.BlockSize); err != nil {
				v.fail(d.Line, f+".block_size", "%v", err)
			}
		}
		if d.SpeedMBs < 0 || (d.SpeedMBs > 0 && d.Type != "virtual") {
			v.fail(d.Line, f+".speed_mb_s", "only a virtual drive takes a speed, and it must not be negative")
		}
		if cp := d.Cleaning; cp != nil {
			if cp.EveryDays < 0 || cp.EveryMounts < 0 || cp.EveryMotionHours < 0 {
				v.fail(d.Line, f+".cleaning", "intervals must not be negative")
			}
			if !cp.OnRequest && cp.EveryDays == 0 && cp.EveryMounts == 0 && cp.EveryMotionHours == 0 {
				v.fail(d.Line, f+".cleaning", "say when to clean: on_request: true and/or every_days, every_mounts, every_motion_hours")
			}
		}
	}
	libraries := map[string]int{}
	placed := map[string]string{}
	for i, l := range c.Libraries {
		f := fmt.Sprintf("libraries[%d]", i)
		v.unique(libraries, l.Line, f+".name", "library", l.Name)
		c.checkSite(v, l.Line, f+".site", l.Site, sites)
		switch l.Type {
		case "mtx":
			if l.Device == "" {
				v.fail(l.Line, f+".device", "missing; give the changer's sg node, preferably /dev/tape/by-id/...-changer")
			}
		case "virtual":
		default:
			v.fail(l.Line, f+".type", "%q is not a library type; expected mtx or virtual", l.Type)
		}
		if l.Slots < 1 || l.Slots > 10000 {
			v.fail(l.Line, f+".slots", "%d: expected the number of storage slots (1-10000)", l.Slots)
		}
		if l.MailSlots < 0 || l.MailSlots > 1000 {
			v.fail(l.Line, f+".mailslots", "%d: expected the number of import/export slots (0-1000)", l.MailSlots)
		}
		elements := map[int]bool{}
		for j, ld := range l.Drives {
			df := fmt.Sprintf("%s.drives[%d]", f, j)
			if elements[ld.Element] {
				v.fail(ld.Line, df+".element", "drive element %d is mapped twice", ld.Element)
			}
			elements[ld.Element] = true
			if ld.Element < 0 {
				v.fail(ld.Line, df+".element", "changer drive elements are numbered from 0")
			}
			d := c.Drive(ld.Drive)
			switch {
			case d == nil:
				v.fail(ld.Line, df+".drive", "refers to drive %q, which is not defined", ld.Drive)
			case placed[ld.Drive] != "":
				v.fail(ld.Line, df+".drive", "drive %s is already in library %s", ld.Drive, placed[ld.Drive])
			case d.Site != l.Site:
				v.fail(ld.Line, df+".drive", "drive %s is at site %s, the library at %s", ld.Drive, d.Site, l.Site)
			case (d.Type == "virtual") != (l.Type == "virtual"):
				v.fail(ld.Line, df+".drive", "a %s library cannot hold %s drive %s", l.Type, d.Type, ld.Drive)
			}
			placed[ld.Drive] = l.Name
		}
	}
	c.validateJobs(v, systems, pools)
	return v.errs
}

// validBlockSize reports whether a configured block size is one the
// daemon writes with: a multiple of 512 bytes, from 512 bytes to the
// largest block it reads back (drives.MaxBlockSize, 8 MiB, what LTO drives
// report in READ BLOCK LIMITS).
// checkDirectoryDrive checks a directory drive: a disk media type, one way
// to find the disk, a sane mount command and capacity.
func (c *Config) checkDirectoryDrive(v *validator, d DriveConfig, f string) {
	if !mediatype.IsDisk(d.MediaType) {
		v.fail(d.Line, f+".media_type", "%q is not a removable disk type; a directory drive takes %s, %s or %s", d.MediaType, mediatype.RDX, mediatype.USBDisk, mediatype.Optical)
	}
	if d.Device != "" || d.SGDevice != "" {
		v.fail(d.Line, f+".device", "a directory drive has no device node; find its disk with label, uuid or path")
	}
	ways := 0
	if d.Label != "" || len(d.UUID) > 0 {
		ways++
	}
	if d.Path != "" {
		ways++
	}
	switch {
	case ways == 0:
		v.fail(d.Line, f+".label", "missing; say how the disk is found: label (a pattern of file system labels, e.g. TWUSB*), uuid (a list of file system UUIDs) or path (a directory standing for the mounted disk)")
	case ways > 1:
		v.fail(d.Line, f+".path", "give either label/uuid or path, not both")
	}
	if d.Label != "" {
		if _, err := path.Match(d.Label, ""); err != nil || strings.ContainsAny(d.Label, "/\x00") {
			v.fail(d.Line, f+".label", "%q is not a pattern of file system labels (e.g. TWUSB* or RDX00[1-5])", d.Label)
		}
	}
	for i, u := range d.UUID {
		if !reFSUUID.MatchString(u) {
			v.fail(d.Line, fmt.Sprintf("%s.uuid[%d]", f, i), "%q is not a file system UUID ('blkid' or 'lsblk -f' shows it, e.g. 2c3e1f0a-… or 1A2B-3C4D)", u)
		}
	}
	if d.Path != "" && !filepath.IsAbs(d.Path) {
		v.fail(d.Line, f+".path", "%q must be an absolute path", d.Path)
	}
	if len(d.MountCommand) > 0 {
		switch {
		case d.Path != "":
			v.fail(d.Line, f+".mount_command", "a drive with a path does not mount anything; drop mount_command or use label/uuid")
		case !filepath.IsAbs(d.MountCommand[0]):
			v.fail(d.Line, f+".mount_command", "%q: give the program's absolute path (e.g. /usr/bin/udisksctl); it runs without a shell", d.MountCommand[0])
		}
	}
	if d.CapacityMB < 0 {
		v.fail(d.Line, f+".capacity_mb", "must not be negative (0: the disk's free space)")
	}
	if d.Cleaning != nil {
		v.fail(d.Line, f+".cleaning", "a directory drive is never cleaned; drop cleaning")
	}
}

// reFSUUID matches the UUIDs file systems carry: the usual 8-4-4-4-12
// form, FAT's 1234-ABCD and NTFS's 16 hex digits.
var reFSUUID = regexp.MustCompile(`^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}|[0-9A-Fa-f]{16})$`)

// virtualDriveLimits are the block and transfer limits of the daemon's
// virtual drives.
var virtualDriveLimits = drives.VirtualLimits()

func validBlockSize(n int) bool { return n >= 512 && n <= drives.MaxBlockSize && n%512 == 0 }

func (c *Config) checkSite(v *validator, line int, field, site string, sites map[string]int) {
	if site == "" {
		v.fail(line, field, "missing; name the site where it stands")
		return
	}
	if _, ok := sites[site]; !ok {
		v.fail(line, field, "refers to site %q, which is not defined", site)
	} else if s := c.Site(site); s != nil && s.Kind != "machine-room" {
		v.fail(line, field, "drives and libraries stand in the machine room, not at %s (%s)", site, s.Kind)
	}
}

// rotationPoolChecked is rotationPool without a media type already
// reported as unknown, so it is not reported twice.
func (c *Config) rotationPoolChecked(p PoolConfig) rotation.Pool {
	rp := c.RotationPool(p)
	if !mediatype.Known(rp.MediaType) {
		rp.MediaType = ""
	}
	return rp
}

// RotationPool maps a configured pool to rotation's type.
func (c *Config) RotationPool(p PoolConfig) rotation.Pool {
	rp := rotation.Pool{Name: p.Name, Scheme: rotation.Scheme(p.Scheme), MediaType: p.MediaType, Scratch: p.Scratch,
		Cycle: p.Cycle, GFS: p.GFS, Release: p.Release, Offsite: p.Offsite, Waiver: p.Waiver}
	if p.Encrypted() {
		rp.Encryption = p.Encryption
		for _, r := range p.Recipients {
			rp.Recipients = append(rp.Recipients, archive.Fingerprint(r.Value))
		}
	}
	return rp
}

// Version is this build of tapewarden: written on tape labels and
// trailers, and reported by the status and the metrics.
const Version = "0.1.0"

// HandlingClass is the highest confidentiality and integrity class of
// the named systems (0 where none of them states one).
func (c *Config) HandlingClass(systems []string) (confidentiality, integrity int) {
	for _, name := range systems {
		for _, s := range c.Systems {
			if s.Name == name {
				confidentiality = max(confidentiality, s.Confidentiality)
				integrity = max(integrity, s.Integrity)
			}
		}
	}
	return confidentiality, integrity
}
