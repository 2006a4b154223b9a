package asynckit_test

// The layering rule: only the raw layer (internal/capi) uses cgo, and it never imports the
// package above it (Go would refuse the cycle; this says why the rule exists where it breaks).

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
)

func importsOf(t *testing.T, dir string) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	imports := map[string][]string{}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			imports[path] = append(imports[path], filepath.Base(name))
		}
	}
	return imports
}

func TestOnlyTheRawLayerUsesCgo(t *testing.T) {
	top := importsOf(t, ".")
	if files := top["C"]; len(files) > 0 {
		t.Errorf("package asynckit imports \"C\" in %v: cgo belongs in internal/capi", files)
	}
	if len(top["asynckit.dev/go/asynckit/internal/capi"]) == 0 {
		t.Error("package asynckit does not use internal/capi")
	}
	raw := importsOf(t, filepath.Join("internal", "capi"))
	if len(raw["C"]) == 0 {
		t.Error("internal/capi does not import \"C\"")
	}
	if files := raw["asynckit.dev/go/asynckit"]; len(files) > 0 {
		t.Errorf("internal/capi imports the package above it in %v", files)
	}
}
