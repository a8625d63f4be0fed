module caracal.run/examples/agents/go

go 1.19

require caracal.run/sdk/go v0.0.0

replace caracal.run/sdk/go => ../../../sdk/go
