module caracal.run/sdk/go

go 1.19
