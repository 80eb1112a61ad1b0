module github.com/iup-platform/iup

go 1.26.8

require github.com/google/uuid v1.6.0
