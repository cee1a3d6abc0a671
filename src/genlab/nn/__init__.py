"""Networks: plain nn.Modules with no knowledge of the objective they are trained with."""
