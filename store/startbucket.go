package store

import "fmt"

// StartVerdict turns the verdict that a SQL store's StartBucket statement
// reads ("not-found", "other-run", "lease-lost", "superseded", "busy",
// "existing", "created") into StartBucket's answer, so that every dialect
// answers alike. impl names the implementation in errors; live is the
// run a "busy" verdict names; run reads the stored run, for the verdicts
// that return it.
func StartVerdict(impl string, req BucketStart, verdict, live string, run func() (Run, error)) (BucketStartResult, error) {
	where := fmt.Sprintf("%s: schedule %q: bucket %q", impl, req.ScheduleID, req.BucketID)
	switch verdict {
	case "not-found":
		return BucketStartResult{}, fmt.Errorf("%s: %w", where, ErrNotFound)
	case "other-run":
		return BucketStartResult{}, fmt.Errorf("%s: the bucket does not start run %q", where, req.Run.ID)
	case "lease-lost":
		return BucketStartResult{}, fmt.Errorf("%s: owner %q does not hold it: %w", where, req.Owner, ErrLeaseLost)
	case "superseded":
		return BucketStartResult{Status: BucketSuperseded}, nil
	case "busy":
		return BucketStartResult{Status: BucketBusy, LiveRunID: live}, nil
	}
	r, err := run()
	if err != nil {
		return BucketStartResult{}, err
	}
	status := BucketRunCreated
	if verdict == "existing" {
		status = BucketRunExisting
	}
	return BucketStartResult{Status: status, Run: r}, nil
}
