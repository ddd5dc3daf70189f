package main

import "os"

// fileExists tells whether a file is at p.
func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
