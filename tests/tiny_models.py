"""Tiny random-weight models built from config and saved like real checkpoints.

The generators load them back through the same ``from_pretrained`` calls they use
for real weights, offline (``tests/conftest.py`` sets ``HF_HUB_OFFLINE``). Sizes are chosen so that a forward pass takes
milliseconds on one CPU core: what is tested is the loading, the plumbing and the
shapes, never the quality of the output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TINY_MUSIC_SAMPLE_RATE = 16_000
_WORDS = ("industrial", "techno", "house", "edm", "bpm", "kick", "bass", "dark", "groove", "synth", "drums", "128")


def t5_tokenizer(folder: Path) -> Path:
    """A T5 tokenizer with a made-up vocabulary (``T5Tokenizer(vocab=...)``), saved to ``folder``."""
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces += [(f"\u2581{word}", -float(index)) for index, word in enumerate(_WORDS, start=1)]
    pieces += [(char, -20.0) for char in "abcdefghijklmnopqrstuvwxyz0123456789,.-"]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    tokenizer.save_pretrained(folder)
    return folder


def _t5_config(vocab_size: int) -> object:
    from transformers import T5Config

    return T5Config(vocab_size=vocab_size, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_heads=2,
                    decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)


def _encodec_config() -> object:
    from transformers import EncodecConfig

    return EncodecConfig(sampling_rate=TINY_MUSIC_SAMPLE_RATE, hidden_size=16, num_filters=4, num_lstm_layers=1,
                         upsampling_ratios=[8, 5, 4, 2], codebook_size=64, codebook_dim=16,
                         target_bandwidths=[0.6], audio_channels=1, chunk_length_s=None, overlap=None)


def _save_musicgen(model: Any, folder: Path) -> None:
    """Give a fresh MusicGen (plain or melody) audible codebooks and sampling defaults, and save it to ``folder``."""
    for layer in model.audio_encoder.quantizer.layers:  # codebooks start as zeros: give each code its own sound
        layer.codebook.embed.normal_()
    model.generation_config.do_sample = True
    model.generation_config.guidance_scale = 3.0
    model.generation_config.max_length = 1024
    model.generation_config.decoder_start_token_id = 64
    model.generation_config.pad_token_id = 64
    model.eval().save_pretrained(folder)


def tiny_musicgen(folder: Path, seed: int = 0) -> Path:
    """A MusicGen checkpoint folder (model + processor) for the transformers backend."""
    import torch
    from transformers import (
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Tokenizer,
    )

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = T5Tokenizer.from_pretrained(t5_tokenizer(folder))
    decoder = MusicgenDecoderConfig(vocab_size=64, max_position_embeddings=1024, num_hidden_layers=1, ffn_dim=32,
                                    num_attention_heads=2, hidden_size=16, num_codebooks=2, pad_token_id=64,
                                    bos_token_id=64, audio_channels=1)
    config = MusicgenConfig(text_encoder=_t5_config(len(tokenizer)), audio_encoder=_encodec_config(), decoder=decoder)
    _save_musicgen(MusicgenForConditionalGeneration(config), folder)
    extractor = EncodecFeatureExtractor(feature_size=1, sampling_rate=TINY_MUSIC_SAMPLE_RATE, padding_value=0.0)
    MusicgenProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def tiny_musicgen_melody_config(vocab_size: int) -> Any:
    """The tiny melody model's config alone (``model_type`` ``musicgen_melody``); needs no torchaudio."""
    from transformers import MusicgenMelodyConfig, MusicgenMelodyDecoderConfig

    decoder = MusicgenMelodyDecoderConfig(vocab_size=64, max_position_embeddings=1024, num_hidden_layers=1,
                                          ffn_dim=32, num_attention_heads=2, hidden_size=16, num_codebooks=2,
                                          pad_token_id=64, bos_token_id=64, audio_channels=1)
    return MusicgenMelodyConfig(text_encoder=_t5_config(vocab_size), audio_encoder=_encodec_config(),
                                decoder=decoder, num_chroma=12, chroma_length=235)


def tiny_musicgen_melody(folder: Path, seed: int = 0) -> Path:
    """A MusicGen melody checkpoint folder (model + chroma processor) for the transformers backend.

    The decoder reads the text and a 12-bin chroma of the melody, prepended to its
    input; the chroma is taken at the real model's rate (about 7.8 frames a second) and
    the model repeats it up to 235 frames, as ``facebook/musicgen-melody`` does. Needs
    torchaudio (the feature extractor's spectrogram).
    """
    import torch
    from transformers import (
        MusicgenMelodyFeatureExtractor,
        MusicgenMelodyForConditionalGeneration,
        MusicgenMelodyProcessor,
        T5Tokenizer,
    )

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = T5Tokenizer.from_pretrained(t5_tokenizer(folder))
    model = MusicgenMelodyForConditionalGeneration(tiny_musicgen_melody_config(len(tokenizer)))
    # At the default 0.02 init the one-hot chroma projects to vectors too small to change a single sampled
    # token; a trained model's projection is of order one, and so the tiny model's is made.
    torch.nn.init.normal_(model.audio_enc_to_dec_proj.weight, std=1.0)
    _save_musicgen(model, folder)
    extractor = MusicgenMelodyFeatureExtractor(sampling_rate=TINY_MUSIC_SAMPLE_RATE, hop_length=2048, n_fft=4096,
                                               chunk_length=30, num_chroma=12)
    MusicgenMelodyProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def tiny_audiocraft_musicgen(folder: Path, seed: int = 0) -> Path:
    """An audiocraft MusicGen checkpoint folder: ``state_dict.bin`` and ``compression_state_dict.bin``.

    Laid out like the hub's ``facebook/musicgen-*`` repositories (an ``xp.cfg`` and a
    ``best_state`` each), so ``MusicGen.get_pretrained(folder)`` loads it. The text
    conditioner is a lookup table over the hashed prompt instead of T5 (whose weights
    come from the hub; audiocraft's word tokenizer also wants a spaCy model from the web).
    """
    import torch
    from audiocraft.models import builders
    from omegaconf import OmegaConf

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    compression_cfg = OmegaConf.create({
        "device": "cpu", "sample_rate": TINY_MUSIC_SAMPLE_RATE, "channels": 1, "compression_model": "encodec",
        "encodec": {"autoencoder": "seanet", "quantizer": "rvq", "sample_rate": TINY_MUSIC_SAMPLE_RATE,
                    "channels": 1, "causal": False, "renormalize": False},
        "seanet": {"dimension": 16, "channels": 1, "causal": False, "n_filters": 4, "n_residual_layers": 1,
                   "ratios": [8, 5, 4, 2], "lstm": 1, "encoder": {}, "decoder": {}},
        "rvq": {"n_q": 2, "bins": 64, "kmeans_init": False, "q_dropout": False},
    })
    compression = builders.get_compression_model(compression_cfg)
    torch.save({"xp.cfg": OmegaConf.to_yaml(compression_cfg), "best_state": compression.state_dict()},
               folder / "compression_state_dict.bin")
    lm_cfg = OmegaConf.create({
        "device": "cpu", "dtype": "float32", "lm_model": "transformer_lm",
        "dataset": {"segment_duration": 30.0},
        "codebooks_pattern": {"modeling": "delay", "delay": {"delays": [0, 1]}},
        "transformer_lm": {"n_q": 2, "card": 64, "dim": 16, "num_heads": 2, "num_layers": 1, "hidden_scale": 2,
                           "causal": True, "norm_first": True, "bias_proj": False, "bias_ff": False,
                           "bias_attn": False},
        "classifier_free_guidance": {"training_dropout": 0.3, "inference_coef": 3.0},
        "attribute_dropout": {},
        "fuser": {"cross_attention_pos_emb": False, "cross_attention_pos_emb_scale": 1, "sum": [], "prepend": [],
                  "cross": ["description"], "input_interpolate": []},
        "conditioners": {"description": {"model": "lut", "lut": {"n_bins": 64, "dim": 16,
                                                                  "tokenizer": "noop"}}},
    })
    lm = builders.get_lm_model(lm_cfg)
    torch.save({"xp.cfg": OmegaConf.to_yaml(lm_cfg), "best_state": lm.state_dict()}, folder / "state_dict.bin")
    return folder


def clip_tokenizer(folder: Path) -> Path:
    """A CLIP BPE tokenizer over single characters (``CLIPTokenizer(vocab=..., merges=[])``), saved to ``folder``."""
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    symbols = list("abcdefghijklmnopqrstuvwxyz0123456789,.-")
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1, "!": 2}
    for symbol in symbols + [f"{s}</w>" for s in symbols]:
        vocab.setdefault(symbol, len(vocab))
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], pad_token="!", model_max_length=77)
    tokenizer.save_pretrained(folder)
    return folder


def _clip_text_model(vocab_size: int, projection: bool = False) -> object:
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    config = CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=2, hidden_size=32, intermediate_size=37,
                            num_attention_heads=4, num_hidden_layers=2, vocab_size=vocab_size, projection_dim=32,
                            hidden_act="gelu")
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(config)


def _vae() -> object:
    from diffusers import AutoencoderKL

    return AutoencoderKL(block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4,
                         down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                         norm_num_groups=8, sample_size=32)


def _sd_tokenizer(folder: Path) -> Any:
    """The tiny CLIP tokenizer, saved under ``folder/_tokenizer`` and loaded back."""
    from transformers import CLIPTokenizer

    return CLIPTokenizer.from_pretrained(clip_tokenizer(folder / "_tokenizer"))


def _sd_scheduler() -> object:
    """The Euler scheduler Stable Diffusion 1.5 and SDXL ship with."""
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                  num_train_timesteps=1000, steps_offset=1)


def tiny_stable_diffusion(folder: Path, seed: int = 0) -> Path:
    """A Stable Diffusion 1.5-shaped pipeline folder (``model_index.json`` and components), random weights."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel

    torch.manual_seed(seed)
    tokenizer = _sd_tokenizer(folder)
    unet = UNet2DConditionModel(block_out_channels=(16, 32), layers_per_block=1, sample_size=16, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
                                norm_num_groups=8, attention_head_dim=4)
    pipe = StableDiffusionPipeline(vae=_vae(), text_encoder=_clip_text_model(len(tokenizer)), tokenizer=tokenizer,
                                   unet=unet, scheduler=_sd_scheduler(), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


def tiny_stable_diffusion_xl(folder: Path, seed: int = 0) -> Path:
    """An SDXL-shaped pipeline folder: two text encoders, added time/text conditioning, random weights."""
    import torch
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel

    torch.manual_seed(seed)
    tokenizer = _sd_tokenizer(folder)
    unet = UNet2DConditionModel(block_out_channels=(16, 32), layers_per_block=1, sample_size=16, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=64,
                                norm_num_groups=8, attention_head_dim=(2, 4), use_linear_projection=True,
                                addition_embed_type="text_time", addition_time_embed_dim=8,
                                transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=80)
    pipe = StableDiffusionXLPipeline(vae=_vae(), text_encoder=_clip_text_model(len(tokenizer)),
                                     text_encoder_2=_clip_text_model(len(tokenizer), projection=True),
                                     tokenizer=tokenizer, tokenizer_2=tokenizer, unet=unet, scheduler=_sd_scheduler())
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


def tiny_lora(pipeline_folder: Path, folder: Path, seed: int = 0) -> Path:
    """A LoRA for the tiny SD UNet's attention layers, random (non-zero) weights, as one ``.safetensors`` file."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(seed)
    unet = UNet2DConditionModel.from_pretrained(pipeline_folder / "unet")
    unet.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    StableDiffusionPipeline.save_lora_weights(folder, unet_lora_layers=layers, weight_name="tiny_lora.safetensors")
    return folder / "tiny_lora.safetensors"


def single_file_checkpoint(pipeline_folder: Path, path: Path) -> Path:
    """The tiny SD 1.5 pipeline as one original-layout (LDM) ``.safetensors`` file, like shared fine-tunes.

    The renaming inverts diffusers' own single-file conversion, and the result is
    checked by converting it back with diffusers and comparing every tensor.
    """
    import re

    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint
    from safetensors.torch import save_file
    from transformers import CLIPTextModel

    unet = UNet2DConditionModel.from_pretrained(pipeline_folder / "unet")
    vae = AutoencoderKL.from_pretrained(pipeline_folder / "vae")
    text = CLIPTextModel.from_pretrained(pipeline_folder / "text_encoder")
    per_block = unet.config.layers_per_block + 1
    resnet = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"), ("conv2", "out_layers.3"),
              ("time_emb_proj", "emb_layers.1"), ("conv_shortcut", "skip_connection")]

    def unet_key(key: str) -> str:
        fixed = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
                 "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2"}
        for new, old in fixed.items():
            if key.startswith(new + "."):
                return old + key[len(new):]
        if match := re.match(r"(down|up)_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", key):
            side, block, part, layer, rest = match.groups()
            index = int(block) * per_block + int(layer) + (1 if side == "down" else 0)
            if part == "resnets":
                for new, old in resnet:
                    rest = rest.replace(new, old)
            return f"{'input' if side == 'down' else 'output'}_blocks.{index}.{0 if part == 'resnets' else 1}.{rest}"
        if match := re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", key):
            return f"input_blocks.{int(match[1]) * per_block + per_block}.0.op.{match[2]}"
        if match := re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.(.*)", key):
            has_attention = any(k.startswith(f"up_blocks.{match[1]}.attentions") for k in unet.state_dict())
            return f"output_blocks.{int(match[1]) * per_block + per_block - 1}.{2 if has_attention else 1}.{match[2]}"
        if match := re.match(r"mid_block\.(resnets|attentions)\.(\d+)\.(.*)", key):
            part, layer, rest = match.groups()
            if part == "resnets":
                for new, old in resnet:
                    rest = rest.replace(new, old)
            return f"middle_block.{2 * int(layer) if part == 'resnets' else 1}.{rest}"
        raise KeyError(key)

    blocks = len(vae.config.up_block_types)

    def vae_key(key: str) -> str:
        key = key.replace("conv_norm_out", "norm_out").replace("conv_shortcut", "nin_shortcut")
        key = re.sub(r"encoder\.down_blocks\.(\d+)\.resnets\.", r"encoder.down.\1.block.", key)
        key = re.sub(r"encoder\.down_blocks\.(\d+)\.downsamplers\.0\.", r"encoder.down.\1.downsample.", key)
        key = re.sub(r"decoder\.up_blocks\.(\d+)\.resnets\.",
                     lambda m: f"decoder.up.{blocks - 1 - int(m[1])}.block.", key)
        key = re.sub(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.",
                     lambda m: f"decoder.up.{blocks - 1 - int(m[1])}.upsample.", key)
        key = re.sub(r"mid_block\.resnets\.(\d+)\.", lambda m: f"mid.block_{int(m[1]) + 1}.", key)
        for new, old in [("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out")]:
            key = key.replace(f"mid_block.attentions.0.{new}.", f"mid.attn_1.{old}.")
        return key

    checkpoint = {f"model.diffusion_model.{unet_key(k)}": v for k, v in unet.state_dict().items()}
    checkpoint |= {f"first_stage_model.{vae_key(k)}": v for k, v in vae.state_dict().items()}
    checkpoint |= {f"cond_stage_model.transformer.text_model.{k.removeprefix('text_model.')}": v  # as in LDM files
                   for k, v in text.state_dict().items()}
    for original, converted in ((unet.state_dict(), convert_ldm_unet_checkpoint(checkpoint, unet.config)),
                                (vae.state_dict(), convert_ldm_vae_checkpoint(checkpoint, vae.config))):
        assert original.keys() == converted.keys(), set(original) ^ set(converted)
        assert all(torch.equal(original[k], converted[k].reshape(original[k].shape)) for k in original)
    save_file({k: v.contiguous() for k, v in checkpoint.items()}, str(path))
    return path


def tiny_ip_adapter(pipeline_folder: Path, folder: Path, seed: int = 0) -> Path:
    """An IP-Adapter for the tiny SD UNet, laid out like ``h94/IP-Adapter``: ``models/ip-adapter_sd15.safetensors``
    (image projection + one key/value pair per cross-attention layer) and ``models/image_encoder``."""
    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    unet = UNet2DConditionModel.from_pretrained(pipeline_folder / "unet")
    image_dim, cross_dim = 32, unet.config.cross_attention_dim
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2, image_size=32,
        patch_size=8, projection_dim=image_dim))
    encoder.save_pretrained(folder / "models" / "image_encoder")
    weights = {"image_proj.proj.weight": torch.randn(4 * cross_dim, image_dim) * 0.1,
               "image_proj.proj.bias": torch.zeros(4 * cross_dim),
               "image_proj.norm.weight": torch.ones(cross_dim), "image_proj.norm.bias": torch.zeros(cross_dim)}
    channels = list(unet.config.block_out_channels)
    cross_layers = [name for name in unet.attn_processors if name.endswith("attn2.processor")]
    for index, name in enumerate(cross_layers):
        block = int(name.split(".")[1]) if not name.startswith("mid_block") else len(channels) - 1
        hidden = list(reversed(channels))[block] if name.startswith("up_blocks") else channels[block]
        for kind in ("to_k_ip", "to_v_ip"):
            weights[f"ip_adapter.{2 * index + 1}.{kind}.weight"] = torch.randn(hidden, cross_dim) * 0.1
    save_file(weights, str(folder / "models" / "ip-adapter_sd15.safetensors"))
    return folder


def tiny_controlnet(pipeline_folder: Path, folder: Path, seed: int = 0) -> Path:
    """An OpenPose-style ControlNet for a tiny SD 1.5 or SDXL pipeline (``ControlNetModel.from_unet``), saved.

    Its conditioning embedding downsamples by 2, as the tiny VAE does; the zero-initialised
    output convolutions get random weights so the skeleton visibly changes the result.
    """
    import torch
    from diffusers import ControlNetModel, UNet2DConditionModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel.from_pretrained(pipeline_folder / "unet")
    controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(8, 16))
    with torch.no_grad():
        for module in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block,
                       controlnet.controlnet_cond_embedding.conv_out]:
            for parameter in module.parameters():
                parameter.normal_(0.0, 1.0)
    controlnet.save_pretrained(folder)
    return folder


def tiny_motion_adapter(folder: Path, seed: int = 0) -> Path:
    """An AnimateDiff ``MotionAdapter`` matching the tiny SD 1.5 UNet (two blocks of 16 and 32 channels), saved."""
    import torch
    from diffusers import MotionAdapter

    torch.manual_seed(seed)
    MotionAdapter(block_out_channels=(16, 32), motion_layers_per_block=1, motion_norm_num_groups=8,
                  motion_num_attention_heads=2, motion_max_seq_length=8).save_pretrained(folder)
    return folder


def tiny_wan(folder: Path, seed: int = 0) -> Path:
    """A Wan 2.1 text-to-video pipeline folder (3D transformer, Wan VAE, T5 encoder), random weights."""
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel
    from transformers import T5EncoderModel, T5Tokenizer

    torch.manual_seed(seed)
    tokenizer = T5Tokenizer.from_pretrained(t5_tokenizer(folder / "_tokenizer"))
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=16, out_channels=16, text_dim=16, freq_dim=256, ffn_dim=32,
                                        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        rope_max_seq_len=32)
    pipe = WanPipeline(tokenizer=tokenizer, text_encoder=T5EncoderModel(_t5_config(len(tokenizer))), vae=vae,
                       transformer=transformer, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


def tiny_cogvideox(folder: Path, seed: int = 0) -> Path:
    """A CogVideoX text-to-video pipeline folder (3D transformer, CogVideoX VAE, T5 encoder), random weights."""
    import torch
    from diffusers import AutoencoderKLCogVideoX, CogVideoXPipeline, CogVideoXTransformer3DModel, DDIMScheduler
    from transformers import T5EncoderModel, T5Tokenizer

    torch.manual_seed(seed)
    tokenizer = T5Tokenizer.from_pretrained(t5_tokenizer(folder / "_tokenizer"))
    transformer = CogVideoXTransformer3DModel(num_attention_heads=4, attention_head_dim=8, in_channels=4,
                                              out_channels=4, time_embed_dim=2, text_embed_dim=16, num_layers=1,
                                              sample_width=2, sample_height=2, sample_frames=9, patch_size=2,
                                              temporal_compression_ratio=4, max_text_seq_length=16)
    vae = AutoencoderKLCogVideoX(in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
                                 up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
                                 latent_channels=4, layers_per_block=1, norm_num_groups=2,
                                 temporal_compression_ratio=4)
    pipe = CogVideoXPipeline(tokenizer=tokenizer, text_encoder=T5EncoderModel(_t5_config(len(tokenizer))), vae=vae,
                             transformer=transformer, scheduler=DDIMScheduler())
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


def tiny_stable_video_diffusion(folder: Path, seed: int = 0) -> Path:
    """A Stable Video Diffusion pipeline folder, random weights. Its CLIP vision encoder takes 224 px images:
    the pipeline resizes the conditioning image to 224 x 224 whatever the encoder's config says."""
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=16, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"), cross_attention_dim=32,
        num_attention_heads=8, projection_class_embeddings_input_dim=96, addition_time_embed_dim=32)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       interpolation_type="linear", prediction_type="v_prediction", sigma_max=700.0,
                                       sigma_min=0.002, steps_offset=1, timestep_spacing="leading",
                                       timestep_type="continuous", use_karras_sigmas=True)
    vae = AutoencoderKLTemporalDecoder(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                                       down_block_types=["DownEncoderBlock2D"] * 2, latent_channels=4)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(hidden_size=32, projection_dim=32, num_hidden_layers=2,
                                                             num_attention_heads=4, image_size=224,
                                                             intermediate_size=37, patch_size=32))
    pipe = StableVideoDiffusionPipeline(vae=vae, image_encoder=encoder, unet=unet, scheduler=scheduler,
                                        feature_extractor=CLIPImageProcessor(crop_size=224, size=224))
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"
