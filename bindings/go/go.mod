module asynckit.dev/go/asynckit

go 1.22
