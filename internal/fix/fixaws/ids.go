package fixaws

import (
	"fmt"
	"path/filepath"
	"regexp"
)

var (
	distributionIDFormat = regexp.MustCompile(`^E[A-Z0-9]+$`)
	accountIDFormat      = regexp.MustCompile(`^[0-9]{12}$`)
)

// checkDistributionID refuses an ID that is not in the AWS format: IDs from
// a plan file or a server become part of backup paths.
func checkDistributionID(id string) error {
	if !distributionIDFormat.MatchString(id) {
		return fmt.Errorf("refusing distribution ID %q: not a CloudFront distribution ID (E followed by capital letters and digits)", id)
	}
	return nil
}

// checkAccountID refuses an account ID that is not 12 digits.
func checkAccountID(id string) error {
	if !accountIDFormat.MatchString(id) {
		return fmt.Errorf("refusing account ID %q: not a 12-digit AWS account ID", id)
	}
	return nil
}

// backupPath is where the backup of distribution id taken at run goes under
// dir, refused unless id is a distribution ID.
func backupPath(dir, id, suffix string) (string, error) {
	if err := checkDistributionID(id); err != nil {
		return "", err
	}
	return filepath.Join(dir, id+"-"+suffix+".json"), nil
}
