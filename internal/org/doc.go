// Package org audits every account of an AWS Organization: it lists the
// accounts, selects them, assumes the audit role in each member and runs the
// same engine as a single-account scan once per account, concurrently.
package org

import "github.com/cloudassure/cloudassure/internal/auditrole"

// DefaultRoleName is the audit role assumed in each member account.
const DefaultRoleName = auditrole.Name
