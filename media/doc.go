// Package media is telekit's audio layer: everything between a codec byte
// on the wire and a sample in a file.
//
// The internal format is 8 kHz mono signed 16-bit linear PCM (SampleRate),
// read and written through SampleReader and SampleWriter, the io.Reader and
// io.Writer of audio. Around it:
//
//   - Codecs: G.711 µ-law and A-law (EncodeULaw, DecodeALaw, ULawToALaw, …),
//     bit-exact with the ITU-T G.191 reference and table-driven.
//   - Files: WAV read and write (WAVReader, WAVWriter: PCM, µ-law, A-law),
//     MP3 decoding (MP3Reader, on go-mp3), a polyphase resampler
//     (Resampler) and DecodeAudio, which sniffs WAV or MP3 from the bytes
//     and yields 8 kHz mono, as an uploaded greeting needs.
//   - RTP: Session sends and receives one G.711 stream over UDP with
//     symmetric-RTP latching that resists RTP-Bleed (Latch), receive
//     statistics (RecvStats, RFC 3550) and RTCP sender and receiver
//     reports; Player paces a SampleReader into a Session, Recorder writes
//     what a Session receives to a SampleWriter; Session.SendDigits sends
//     RFC 4733 key presses.
//   - Bridge relays RTP between the two legs of a B2BUA call without
//     decoding (transcoding µ-law↔A-law in place when the legs differ),
//     keeping each far end's view of the stream continuous, also across a
//     re-INVITE (Bridge.Update: new address, codec, hold), and keeping an
//     RTCP session with each leg (SR or RR out, the peer's SR/RR in, on
//     the RTP port with rtcp-mux or on the RTCP port).
//   - Signal processing: an adaptive JitterBuffer with loss concealment
//     and a fax mode that never stretches time; RFC 4733 DTMF
//     (DTMFSender, DTMFReceiver) and in-band detection (DTMFDetector,
//     Goertzel); tone plans and a ToneGenerator for North American and
//     European dial, ringback, busy, congestion and call-waiting tones;
//     a SilenceDetector for "record until silence".
//
// Hot paths (codecs, RTP send and receive, the bridge, the jitter buffer,
// the detectors and generators) write into buffers the caller owns and do
// not allocate per packet or per frame.
//
// What media does not do: signalling (package sip), mixing more than two
// parties (package conference), speech prompts (package media/prompt) or
// fax modems (package fax).
package media
