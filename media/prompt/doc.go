// Package prompt speaks to callers.
package prompt
