"""A tiny TorchServe handler for the integration test: a torch Linear layer
with fixed weights (y = 0.5 * x0 - 0.25 * x1 + 1). Each request body is a
JSON row [x0, x1] or {"instances": [[x0, x1], ...]}; the answer is y, or
one y per instance."""
import json

import torch


class Tiny:
    def __init__(self):
        self.model = torch.nn.Linear(2, 1)
        with torch.no_grad():
            self.model.weight.copy_(torch.tensor([[0.5, -0.25]]))
            self.model.bias.fill_(1.0)
        self.model.eval()

    def predict(self, body):
        if isinstance(body, (bytes, bytearray)):
            body = json.loads(body)
        rows = body["instances"] if isinstance(body, dict) else [body]
        with torch.no_grad():
            y = self.model(torch.tensor(rows, dtype=torch.float32)).reshape(-1).tolist()
        return y if isinstance(body, dict) else y[0]


_model = None


def handle(data, context):
    global _model
    if _model is None:
        _model = Tiny()
    if data is None:
        return None
    return [_model.predict(row.get("body") or row.get("data")) for row in data]
