// Package drives is device access and nothing else: the Drive and Changer
// interfaces, the Linux st backend, the mtx changer backend, the virtual
// tape and virtual library used by the demo and the tests, the on-tape
// format, media compatibility and TapeAlert decoding.
package drives
