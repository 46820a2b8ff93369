// Package texts is the source of truth of the default prompt set: the name,
// English text and kind of every prompt. The generator (../gen) turns it into
// the WAV files under media/prompt/sounds, and media/prompt's tests check the
// committed set against it.
//
// The names and texts come from the shared prompt-name contract that the
// voicemail menu, call handling, conference and park code rely on: names may
// be added here, never renamed.
package texts

// Kind says how the generator makes a prompt's audio.
type Kind uint8

const (
	// KindUnknown is the zero Kind; no entry has it.
	KindUnknown Kind = iota
	// Speech is spoken by espeak-ng from Entry.Text.
	Speech
	// Tone is the 1000 Hz, 400 ms beep, made with sox.
	Tone
	// Silence is digital silence, as long as the name says.
	Silence
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Speech:
		return "speech"
	case Tone:
		return "tone"
	case Silence:
		return "silence"
	}
	return "unknown"
}

// Entry is one prompt of the default set.
type Entry struct {
	// Name is the prompt's name, the file name without ".wav".
	Name string
	// Text is what the prompt says (for a tone or a silence, a
	// description).
	Text string
	// Kind is how its audio is made.
	Kind Kind
}

// English returns the default English prompts, in a fresh slice the caller
// may keep: the phrase vocabulary first, then the menus.
func English() []Entry {
	return []Entry{
		// Phrase vocabulary (used by the phrase engine).
		{"digit-0", "zero", Speech},
		{"digit-1", "one", Speech},
		{"digit-2", "two", Speech},
		{"digit-3", "three", Speech},
		{"digit-4", "four", Speech},
		{"digit-5", "five", Speech},
		{"digit-6", "six", Speech},
		{"digit-7", "seven", Speech},
		{"digit-8", "eight", Speech},
		{"digit-9", "nine", Speech},
		{"star", "star", Speech},
		{"pound", "pound", Speech},
		{"plus", "plus", Speech},
		{"num-0", "zero", Speech},
		{"num-1", "one", Speech},
		{"num-2", "two", Speech},
		{"num-3", "three", Speech},
		{"num-4", "four", Speech},
		{"num-5", "five", Speech},
		{"num-6", "six", Speech},
		{"num-7", "seven", Speech},
		{"num-8", "eight", Speech},
		{"num-9", "nine", Speech},
		{"num-10", "ten", Speech},
		{"num-11", "eleven", Speech},
		{"num-12", "twelve", Speech},
		{"num-13", "thirteen", Speech},
		{"num-14", "fourteen", Speech},
		{"num-15", "fifteen", Speech},
		{"num-16", "sixteen", Speech},
		{"num-17", "seventeen", Speech},
		{"num-18", "eighteen", Speech},
		{"num-19", "nineteen", Speech},
		{"num-20", "twenty", Speech},
		{"num-30", "thirty", Speech},
		{"num-40", "forty", Speech},
		{"num-50", "fifty", Speech},
		{"num-60", "sixty", Speech},
		{"num-70", "seventy", Speech},
		{"num-80", "eighty", Speech},
		{"num-90", "ninety", Speech},
		{"num-hundred", "hundred", Speech},
		{"num-thousand", "thousand", Speech},
		{"num-million", "million", Speech},
		{"ord-1", "first", Speech},
		{"ord-2", "second", Speech},
		{"ord-3", "third", Speech},
		{"ord-4", "fourth", Speech},
		{"ord-5", "fifth", Speech},
		{"ord-6", "sixth", Speech},
		{"ord-7", "seventh", Speech},
		{"ord-8", "eighth", Speech},
		{"ord-9", "ninth", Speech},
		{"ord-10", "tenth", Speech},
		{"ord-11", "eleventh", Speech},
		{"ord-12", "twelfth", Speech},
		{"ord-13", "thirteenth", Speech},
		{"ord-14", "fourteenth", Speech},
		{"ord-15", "fifteenth", Speech},
		{"ord-16", "sixteenth", Speech},
		{"ord-17", "seventeenth", Speech},
		{"ord-18", "eighteenth", Speech},
		{"ord-19", "nineteenth", Speech},
		{"ord-20", "twentieth", Speech},
		{"ord-21", "twenty-first", Speech},
		{"ord-22", "twenty-second", Speech},
		{"ord-23", "twenty-third", Speech},
		{"ord-24", "twenty-fourth", Speech},
		{"ord-25", "twenty-fifth", Speech},
		{"ord-26", "twenty-sixth", Speech},
		{"ord-27", "twenty-seventh", Speech},
		{"ord-28", "twenty-eighth", Speech},
		{"ord-29", "twenty-ninth", Speech},
		{"ord-30", "thirtieth", Speech},
		{"ord-31", "thirty-first", Speech},
		{"day-sunday", "Sunday", Speech},
		{"day-monday", "Monday", Speech},
		{"day-tuesday", "Tuesday", Speech},
		{"day-wednesday", "Wednesday", Speech},
		{"day-thursday", "Thursday", Speech},
		{"day-friday", "Friday", Speech},
		{"day-saturday", "Saturday", Speech},
		{"month-january", "January", Speech},
		{"month-february", "February", Speech},
		{"month-march", "March", Speech},
		{"month-april", "April", Speech},
		{"month-may", "May", Speech},
		{"month-june", "June", Speech},
		{"month-july", "July", Speech},
		{"month-august", "August", Speech},
		{"month-september", "September", Speech},
		{"month-october", "October", Speech},
		{"month-november", "November", Speech},
		{"month-december", "December", Speech},
		{"today", "today", Speech},
		{"yesterday", "yesterday", Speech},
		{"at", "at", Speech},
		{"oh", "oh", Speech},
		{"oclock", "o'clock", Speech},
		{"am", "A M", Speech},
		{"pm", "P M", Speech},
		{"and", "and", Speech},
		{"extension", "extension", Speech},
		{"beep", "A 1000 Hz tone, 400 ms.", Tone},
		{"silence-500ms", "Half a second of silence.", Silence},

		// Voicemail.
		{"vm-enter-mailbox", "Please enter your mailbox number, followed by the pound key.", Speech},
		{"vm-enter-pin", "Please enter your PIN, followed by the pound key.", Speech},
		{"vm-login-incorrect", "Login incorrect.", Speech},
		{"vm-locked", "This mailbox is locked because of too many wrong PINs. Please try again later.", Speech},
		{"vm-goodbye", "Goodbye.", Speech},
		{"vm-you-have", "You have", Speech},
		{"vm-no-messages", "You have no messages.", Speech},
		{"vm-new", "new", Speech},
		{"vm-old", "old", Speech},
		{"vm-urgent", "urgent", Speech},
		{"vm-message", "message", Speech},
		{"vm-messages", "messages", Speech},
		{"vm-main-menu", "To listen to new messages, press 1. To listen to saved messages, press 2. For mailbox options, press 0. To hear this menu again, press star. To exit, press pound.", Speech},
		{"vm-message-menu", "To replay this message, press 1. To mark it urgent, press 2. To call back the caller, press 3. For the previous message, press 4. To hear the message details, press 5. For the next message, press 6. To delete it, press 7. To forward it, press 8. To save it, press 9. To return to the main menu, press star.", Speech},
		{"vm-message-number", "Message", Speech},
		{"vm-received", "Received", Speech},
		{"vm-from", "From", Speech},
		{"vm-unknown-caller", "an unknown caller", Speech},
		{"vm-no-more", "There are no more messages.", Speech},
		{"vm-first-message", "This is the first message.", Speech},
		{"vm-deleted", "Message deleted.", Speech},
		{"vm-saved", "Message saved.", Speech},
		{"vm-marked-urgent", "Message marked urgent.", Speech},
		{"vm-options-menu", "To record your unavailable greeting, press 1. To record your busy greeting, press 2. To record your name, press 3. To record your temporary greeting, press 4. To erase your temporary greeting, press 5. To change your PIN, press 6. To turn message details on or off, press 7. To return to the main menu, press star.", Speech},
		{"vm-record-greeting", "Record your greeting after the tone. Press pound when you are finished.", Speech},
		{"vm-record-name", "Say your name after the tone. Press pound when you are finished.", Speech},
		{"vm-record-comment", "Record your comment after the tone. Press pound when you are finished.", Speech},
		{"vm-review", "To accept this recording, press 1. To listen to it, press 2. To record it again, press 3.", Speech},
		{"vm-greeting-saved", "Your greeting has been saved.", Speech},
		{"vm-greeting-erased", "Your temporary greeting has been erased.", Speech},
		{"vm-temp-days", "Enter the number of days this greeting should play, followed by the pound key. For no end date, press pound.", Speech},
		{"vm-temp-until", "Your temporary greeting will play until", Speech},
		{"vm-temp-no-end", "Your temporary greeting will play until you erase it.", Speech},
		{"vm-new-pin", "Please enter your new PIN, followed by the pound key.", Speech},
		{"vm-reenter-pin", "Please enter your new PIN again, followed by the pound key.", Speech},
		{"vm-pin-mismatch", "The PINs do not match.", Speech},
		{"vm-pin-invalid", "That PIN is not allowed. Use four to twelve digits that are not easy to guess.", Speech},
		{"vm-pin-changed", "Your PIN has been changed.", Speech},
		{"vm-details-on", "Message details are on.", Speech},
		{"vm-details-off", "Message details are off.", Speech},
		{"vm-forward-to", "Enter the extension to forward this message to, followed by the pound key.", Speech},
		{"vm-forward-comment", "To record a comment first, press 1. To forward the message without a comment, press 2.", Speech},
		{"vm-forwarded", "Message forwarded.", Speech},
		{"vm-no-such-mailbox", "There is no mailbox at that extension.", Speech},
		{"vm-invalid", "That is not a valid choice.", Speech},
		{"vm-person-at", "The person at extension", Speech},
		{"vm-unavailable", "is not available.", Speech},
		{"vm-busy", "is busy.", Speech},
		{"vm-leave-message", "Please leave your message after the tone. When you are done, hang up or press the pound key.", Speech},
		{"vm-operator-hint", "To reach the operator, press 0.", Speech},
		{"vm-deposit-menu", "To send this message, press 1 or hang up. To listen to it, press 2. To record it again, press 3. To mark it urgent, press 4.", Speech},
		{"vm-message-sent", "Your message has been sent.", Speech},
		{"vm-mailbox-full", "This mailbox is full and cannot take messages. Goodbye.", Speech},

		// Call handling: feature-code confirmations, follow-me, phone lock.
		{"ch-code-accepted", "Your setting has been saved.", Speech},
		{"ch-code-invalid", "That feature code is not valid.", Speech},
		{"ch-forward-on", "Call forwarding is on.", Speech},
		{"ch-forward-off", "Call forwarding is off.", Speech},
		{"ch-forward-busy-on", "Forwarding when busy is on.", Speech},
		{"ch-forward-busy-off", "Forwarding when busy is off.", Speech},
		{"ch-forward-noanswer-on", "Forwarding when there is no answer is on.", Speech},
		{"ch-forward-noanswer-off", "Forwarding when there is no answer is off.", Speech},
		{"ch-forward-unavailable-on", "Forwarding when you are unavailable is on.", Speech},
		{"ch-forward-unavailable-off", "Forwarding when you are unavailable is off.", Speech},
		{"ch-dnd-on", "Do not disturb is on.", Speech},
		{"ch-dnd-off", "Do not disturb is off.", Speech},
		{"ch-block-added", "The number has been added to your block list.", Speech},
		{"ch-block-removed", "The number has been removed from your block list.", Speech},
		{"ch-block-not-allowed", "Extensions cannot be blocked.", Speech},
		{"ch-mode-out-of-office", "Out of office is on.", Speech},
		{"ch-mode-away", "Away is on.", Speech},
		{"ch-mode-other", "Your other status is on.", Speech},
		{"ch-mode-off", "Your status is back to normal.", Speech},
		{"ch-phone-locked", "Your phone is locked.", Speech},
		{"ch-phone-unlocked", "Your phone is unlocked.", Speech},
		{"ch-wrong-password", "That password is not correct.", Speech},
		{"ch-followme-call", "You have a call through follow me. To accept it, press 1. To decline it, hang up.", Speech},
		{"ch-phone-is-locked", "This phone is locked. Only emergency calls can be made.", Speech},

		// Conference and park.
		{"conf-enter-pin", "Please enter the conference PIN, followed by the pound key.", Speech},
		{"conf-pin-invalid", "That PIN is not valid.", Speech},
		{"conf-joining", "You are now joining the conference.", Speech},
		{"conf-only-person", "You are the only person in this conference.", Speech},
		{"conf-there-are", "There are", Speech},
		{"conf-people", "people in this conference.", Speech},
		{"conf-locked", "This conference is locked.", Speech},
		{"conf-full", "This conference is full.", Speech},
		{"conf-muted", "You are muted.", Speech},
		{"conf-unmuted", "You are no longer muted.", Speech},
		{"conf-wait-moderator", "Please wait for the moderator to join.", Speech},
		{"park-parked-on", "Your call has been parked on", Speech},
		{"park-nothing", "There is no call parked there.", Speech},
	}
}
