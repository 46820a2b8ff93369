module github.com/telekit/telekit

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	github.com/pion/rtcp v1.2.20
)

require github.com/hajimehoshi/go-mp3 v0.3.4
