// Package config reads a team's .cloudassure.yaml.
package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/strictyaml"
)

// DefaultFile is the file looked for in the working directory.
const DefaultFile = ".cloudassure.yaml"

// File is the content of .cloudassure.yaml.
type File struct {
	// Policy is the real-time logging policy CF-003 enforces.
	Policy rules.Policy `yaml:"policy"`
	// Ignore lists the findings the team has accepted, each with a reason.
	Ignore []Ignore `yaml:"ignore"`
	// Path is where the file was read from; empty for defaults.
	Path string `yaml:"-"`
}

// Default returns the configuration used when there is no file.
func Default() *File { return &File{Policy: rules.DefaultPolicy()} }

// Load reads path. An empty path reads DefaultFile if it exists and returns
// the defaults if it does not; a named file must exist.
func Load(path string) (*File, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return Default(), nil
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads a configuration from data; name is used in messages. Settings
// the file leaves out keep their defaults.
func Parse(name string, data []byte) (*File, error) {
	f := Default()
	f.Path = name
	var raw struct {
		Policy struct {
			MinSamplingRate *int     `yaml:"min_sampling_rate"`
			RequiredFields  []string `yaml:"required_fields"`
		} `yaml:"policy"`
		Ignore []Ignore `yaml:"ignore"`
	}
	if err := strictyaml.Decode(data, &raw); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	if raw.Policy.MinSamplingRate != nil {
		f.Policy.MinSamplingRate = *raw.Policy.MinSamplingRate
	}
	if raw.Policy.RequiredFields != nil {
		f.Policy.RequiredFields = raw.Policy.RequiredFields
	}
	if err := f.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: policy: %w", name, err)
	}
	for i := range raw.Ignore {
		if err := raw.Ignore[i].validate(); err != nil {
			return nil, fmt.Errorf("config %s: ignore entry %d: %w", name, i+1, err)
		}
	}
	f.Ignore = raw.Ignore
	return f, nil
}
