package calllog

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// csvHeader is the header row WriteCSV writes.
var csvHeader = [...]string{
	"Unique ID", "Start", "Answer", "End", "Duration (s)",
	"From (Name)", "From", "To (Name)", "To",
	"Disposition", "Direction", "Call Type", "Trunk",
}

// CSVHeader returns the header row [WriteCSV] writes, in column order.
func CSVHeader() []string { return append([]string(nil), csvHeader[:]...) }

// WriteCSV writes records to w as CSV (RFC 4180: CRLF line ends, fields
// quoted when needed) with a header row from [CSVHeader]. Times are RFC
// 3339 in each time's own location (convert with [Record.In] first),
// empty when zero; Duration is whole seconds of [Record.Duration].
//
// To defuse formula injection when the file is opened in a spreadsheet,
// a cell that starts with '=', '+', '-', '@', a tab or a carriage return
// is prefixed with a single quote: a caller ID of "=HYPERLINK(…)" is
// written as "'=HYPERLINK(…)", and "+15550100" as "'+15550100".
func WriteCSV(w io.Writer, records []Record) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader[:]); err != nil {
		return fmt.Errorf("calllog: write CSV: %w", err)
	}
	row := make([]string, len(csvHeader))
	for _, r := range records {
		row[0] = r.ID
		row[1], row[2], row[3] = csvTime(r.Start), csvTime(r.Answer), csvTime(r.End)
		row[4] = strconv.FormatInt(int64(r.Duration()/time.Second), 10)
		row[5], row[6], row[7], row[8] = r.FromName, r.From, r.ToName, r.To
		row[9], row[10], row[11], row[12] = r.Disposition.String(), r.Direction.String(), r.Type.String(), r.Trunk
		for i, c := range row {
			row[i] = DefuseCell(c)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("calllog: write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("calllog: write CSV: %w", err)
	}
	return nil
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// DefuseCell returns s prefixed with a single quote when a spreadsheet
// would read it as a formula: when it starts with '=', '+', '-', '@', a tab
// or a carriage return. Other strings are returned unchanged.
func DefuseCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
