// Package peppol reads and writes PEPPOL BIS documents (UBL 2.1): plain values in and out, no
// database and no domain rules, so that any domain package may call it.
package peppol
