# Made the fixture torch-lstm.safetensors (PyTorch 2.15, safetensors 0.8) and printed loss_mean 2.623431921005249,
# the literal in PyTorchCheckpointTests. Run outside the tests: they never need Python.
# Writes a small LSTM (2 layers) trained for a few steps in PyTorch, saved with safetensors.torch.save_file,
# and prints PyTorch's mean loss on a text read as one sequence from a zero state.
import json, torch, torch.nn as nn
from safetensors.torch import save_file
torch.manual_seed(0)
text = "hello world, hello rnn; the lstm keeps its gradient.\n" * 3
vocab = sorted(set(text)); ix = {c: i for i, c in enumerate(vocab)}
V, H = len(vocab), 8
class M(nn.Module):
    def __init__(s):
        super().__init__(); s.rnn = nn.LSTM(V, H, 2); s.decoder = nn.Linear(H, V)
    def forward(s, x):
        o, _ = s.rnn(x); return s.decoder(o)
m = M(); opt = torch.optim.Adam(m.parameters(), 1e-2)
data = torch.tensor([ix[c] for c in text])
x = nn.functional.one_hot(data[:-1], V).float().unsqueeze(1); y = data[1:]
for _ in range(30):
    opt.zero_grad(); loss = nn.functional.cross_entropy(m(x).squeeze(1), y); loss.backward(); opt.step()
with torch.no_grad():
    loss = nn.functional.cross_entropy(m(x).squeeze(1), y).item()
save_file({k: v.contiguous() for k, v in m.state_dict().items()}, "torch-lstm.safetensors", metadata={"vocabulary": json.dumps(vocab)})
open("text.txt", "w").write(text)
print(json.dumps({"loss_mean": loss, "V": V}))
