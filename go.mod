module github.com/telekit/telekit

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/pion/rtcp v1.2.20
	github.com/pion/rtp v1.10.6
	golang.org/x/net v0.62.0
)

require (
	github.com/pion/randutil v0.1.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

require github.com/hajimehoshi/go-mp3 v0.3.4
