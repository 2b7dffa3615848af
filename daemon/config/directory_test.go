package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func usbConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(repoFile(t, "testdata/daemon/usbdisks.yaml"))
	require.NoError(t, err)
	return string(data)
}

func TestDirectoryDriveConfig(t *testing.T) {
	cfg, err := ParseConfig("usb.yaml", []byte(usbConfig(t)))
	require.NoError(t, err)
	d := cfg.Drive("usb0")
	require.NotNil(t, d)
	assert.Equal(t, "directory", d.Type)
	assert.Equal(t, "/var/lib/tapewarden/mnt/usb0", d.Path)
	assert.Equal(t, int64(24), d.CapacityMB)

	byLabel := strings.Replace(usbConfig(t), "path: /var/lib/tapewarden/mnt/usb0",
		"label: 'USB*', uuid: [2c3e1f0a-1b2c-4d5e-8f90-0123456789ab, 1A2B-3C4D], mount_command: [/usr/bin/udisksctl, mount, -b, '{device}']", 1)
	cfg, err = ParseConfig("usb.yaml", []byte(byLabel))
	require.NoError(t, err)
	d = cfg.Drive("usb0")
	assert.Equal(t, "USB*", d.Label)
	assert.Equal(t, []string{"2c3e1f0a-1b2c-4d5e-8f90-0123456789ab", "1A2B-3C4D"}, d.UUID)
	assert.Equal(t, []string{"/usr/bin/udisksctl", "mount", "-b", "{device}"}, d.MountCommand)
}

func TestDirectoryDriveConfigErrors(t *testing.T) {
	const line = "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, path: /var/lib/tapewarden/mnt/usb0, capacity_mb: 24, block_size: 65536}"
	tests := []struct {
		name, drive, want string
	}{
		{"a tape media type", "  - {name: usb0, site: honcho, type: directory, media_type: LTO-8, path: /mnt/usb}",
			`drives[0].media_type: "LTO-8" is not a removable disk type; a directory drive takes RDX, USB-DISK or OPTICAL`},
		{"no way to find the disk", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK}",
			"drives[0].label: missing; say how the disk is found: label"},
		{"two ways", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, path: /mnt/usb, label: 'USB*'}",
			"drives[0].path: give either label/uuid or path, not both"},
		{"a bad UUID", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, uuid: [sdb1]}",
			`drives[0].uuid[0]: "sdb1" is not a file system UUID`},
		{"a bad pattern", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, label: 'USB['}",
			`drives[0].label: "USB[" is not a pattern of file system labels`},
		{"a relative path", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, path: mnt/usb}",
			`drives[0].path: "mnt/usb" must be an absolute path`},
		{"a mount command through the shell", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, label: 'USB*', mount_command: [udisksctl, mount]}",
			`drives[0].mount_command: "udisksctl": give the program's absolute path`},
		{"a negative capacity", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, path: /mnt/usb, capacity_mb: -1}",
			"drives[0].capacity_mb: must not be negative"},
		{"a cleaning policy", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, path: /mnt/usb, cleaning: {every_days: 30}}",
			"drives[0].cleaning: a directory drive is never cleaned"},
		{"a device node", "  - {name: usb0, site: honcho, type: directory, media_type: USB-DISK, path: /mnt/usb, device: /dev/sdb1}",
			"drives[0].device: a directory drive has no device node"},
		{"disk keys on a tape drive", "  - {name: usb0, site: honcho, type: virtual, media_type: LTO-8, label: 'USB*'}",
			"drives[0].type: label, uuid, mount_command, path and capacity_mb belong to a directory drive (type: directory), not a virtual one"},
		{"a disk type on a tape drive", "  - {name: usb0, site: honcho, type: virtual, media_type: USB-DISK}",
			`drives[0].media_type: "USB-DISK" is not a tape drive generation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(usbConfig(t), line, tt.drive, 1)
			require.NotEqual(t, usbConfig(t), text)
			_, err := ParseConfig("usb.yaml", []byte(text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
