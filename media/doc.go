// Package media is telekit's audio layer: everything between a codec byte
// on the wire and a sample in a file.
//
// The internal format is 8 kHz mono signed 16-bit linear PCM (SampleRate),
// read and written through SampleReader and SampleWriter, the io.Reader and
// io.Writer of audio. Around it:
//
//   - G.711 µ-law and A-law (EncodeULaw, DecodeALaw, …), bit-exact with
//     the ITU-T G.191 reference and table-driven;
//   - RTP receive statistics (RecvStats, RFC 3550) and symmetric-RTP
//     latching that resists RTP-Bleed (Latch).
//
// Hot paths (codecs, RTP send and receive, the bridge) write into buffers
// the caller owns and do not allocate per packet.
//
// What media does not do: signalling (see package sip), mixing more than two
// parties (package conference), or fax modems (package fax).
package media
