"""Vocabulary the catalogue is drawn from: endpoint families, categories, units and prices."""

from __future__ import annotations

# fmt: off

# Endpoint ids are prefix[/version][/tier][/task]. The category comes from the last path
# segment found in CATEGORY_OF_SEGMENT, else from the family's default.
# (prefix, default category, versions, tiers, tasks)
FAMILIES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("fal-ai/flux", "text-to-image", ("dev", "schnell", "krea", "general", "srpo"), ("",),
     ("", "image-to-image", "inpainting", "redux")),
    ("fal-ai/flux-pro", "text-to-image",
     ("", "v1.1", "v1.1-ultra", "new", "kontext", "kontext/max", "v1/fill", "v1/redux"), ("",),
     ("", "text-to-image", "multi")),
    ("fal-ai/flux-lora", "text-to-image", ("",), ("", "fast"),
     ("", "image-to-image", "inpainting")),
    ("fal-ai/kling-video", "text-to-video",
     ("v1", "v1.5", "v1.6", "v2", "v2.1", "v2.5-turbo", "v3"), ("standard", "pro", "master"),
     ("text-to-video", "image-to-video", "reference-to-video", "lipsync")),
    ("fal-ai/minimax", "text-to-video", ("video-01", "video-01-live", "hailuo-02", "hailuo-2.3"),
     ("", "standard", "pro"), ("text-to-video", "image-to-video")),
    ("fal-ai/minimax", "text-to-speech",
     ("speech-02-hd", "speech-02-turbo", "speech-2.5-hd", "voice-clone", "voice-design", "music"),
     ("",), ("",)),
    ("fal-ai/wan", "text-to-video", ("v2.1", "v2.2-a14b", "v2.2-5b", "v2.5", "v2.6"),
     ("", "turbo", "lora"), ("text-to-video", "image-to-video", "video-to-video", "text-to-image")),
    ("fal-ai/veo3", "text-to-video", ("", "fast"), ("",), ("", "image-to-video")),
    ("fal-ai/veo3.1", "text-to-video", ("", "fast"), ("",),
     ("", "image-to-video", "reference-to-video")),
    ("fal-ai/veo2", "text-to-video", ("",), ("",), ("", "image-to-video")),
    ("fal-ai/ltx-video", "text-to-video", ("", "v0.9.5", "v0.9.7", "13b-distilled", "13b-dev"),
     ("",), ("", "image-to-video", "video-to-video", "extend")),
    ("fal-ai/hunyuan-video", "text-to-video", ("", "v1.5"), ("",),
     ("", "image-to-video", "video-to-video", "lora")),
    ("fal-ai/pixverse", "text-to-video", ("v3.5", "v4", "v4.5", "v5"), ("",),
     ("text-to-video", "image-to-video", "transition", "effects")),
    ("fal-ai/luma-dream-machine", "text-to-video", ("", "ray-2", "ray-2-flash"), ("",),
     ("", "image-to-video", "modify", "reframe")),
    ("fal-ai/bytedance/seedance", "text-to-video", ("v1", "v1.5"), ("lite", "pro"),
     ("text-to-video", "image-to-video", "reference-to-video")),
    ("fal-ai/bytedance/seedream", "text-to-image", ("v3", "v4", "v4.5"), ("",),
     ("text-to-image", "edit")),
    ("fal-ai/recraft", "text-to-image", ("v2", "v3"), ("",),
     ("text-to-image", "image-to-image", "create-style", "vectorize")),
    ("fal-ai/ideogram", "text-to-image", ("v2", "v2a", "v3"), ("", "turbo"),
     ("", "edit", "remix", "reframe", "upscale")),
    ("fal-ai/stable-diffusion", "text-to-image", ("v15", "v3-medium", "v35-large", "v35-medium"),
     ("",), ("", "image-to-image", "inpainting", "lora")),
    ("fal-ai/imagen4", "text-to-image", ("preview",), ("", "fast", "ultra"), ("",)),
    ("fal-ai/qwen-image", "text-to-image", ("", "edit", "edit-plus", "2509"), ("",),
     ("", "lora", "image-to-image", "inpaint")),
    ("fal-ai/hidream-i1", "text-to-image", ("full", "dev", "fast"), ("",), ("", "image-to-image")),
    ("fal-ai/nano-banana", "text-to-image", ("", "pro"), ("",), ("", "edit")),
    ("fal-ai/elevenlabs", "text-to-speech",
     ("tts", "speech-to-text", "sound-effects", "audio-isolation", "dubbing"), ("",),
     ("", "multilingual-v2", "turbo-v2.5", "eleven-v3")),
    ("fal-ai/kokoro", "text-to-speech",
     ("american-english", "british-english", "japanese", "mandarin-chinese", "spanish", "french"),
     ("",), ("",)),
    ("fal-ai/chatterbox", "text-to-speech", ("text-to-speech", "speech-to-speech", "multilingual"),
     ("",), ("",)),
    ("fal-ai/whisper", "speech-to-text", ("",), ("",), ("",)),
    ("fal-ai/wizper", "speech-to-text", ("",), ("",), ("",)),
    ("fal-ai/speech-to-text", "speech-to-text", ("", "turbo", "stream"), ("",), ("",)),
    ("fal-ai/stable-audio", "audio", ("", "25"), ("",), ("", "text-to-audio", "audio-to-audio")),
    ("fal-ai/ace-step", "audio", ("", "prompt-to-audio", "audio-to-audio", "audio-inpaint"), ("",),
     ("",)),
    ("fal-ai/mmaudio-v2", "audio", ("",), ("",), ("", "text-to-audio")),
    ("fal-ai/any-llm", "llm", ("", "vision", "enterprise"), ("",), ("",)),
    ("openrouter/router", "llm", ("", "openai/v1/chat/completions", "openai/v1/responses"), ("",),
     ("",)),
    ("fal-ai/florence-2-large", "vision",
     ("caption", "detailed-caption", "object-detection", "ocr", "ocr-with-region",
      "region-to-segmentation", "dense-region-caption", "open-vocabulary-detection"), ("",), ("",)),
    ("fal-ai/moondream2", "vision", ("", "visual-query", "object-detection"), ("",), ("",)),
    ("fal-ai/sam2", "vision", ("image", "video", "auto-segment"), ("",), ("",)),
    ("fal-ai/imageutils", "vision", ("depth", "rembg", "marigold-depth", "nsfw"), ("",), ("",)),
    ("fal-ai/birefnet", "vision", ("", "v2", "video"), ("",), ("",)),
    ("fal-ai/hunyuan3d", "3d", ("v2", "v21", "v3"), ("", "mini", "turbo"), ("", "multi-view")),
    ("fal-ai/trellis", "3d", ("", "multi", "2"), ("",), ("",)),
    ("fal-ai/hyper3d/rodin", "3d", ("", "v2"), ("",), ("",)),
    ("tripo3d/tripo", "3d", ("v2.5",), ("",), ("image-to-3d", "multiview-to-3d", "text-to-3d")),
    ("fal-ai/flux-lora-fast-training", "training", ("",), ("",), ("",)),
    ("fal-ai/flux-lora-portrait-trainer", "training", ("",), ("",), ("",)),
    ("fal-ai/flux-kontext-trainer", "training", ("",), ("",), ("",)),
    ("fal-ai/wan-trainer", "training", ("", "t2v", "i2v-720p", "flf2v-720p"), ("",), ("",)),
    ("fal-ai/qwen-image-trainer", "training", ("", "edit"), ("",), ("",)),
    ("fal-ai/hunyuan-video-lora-training", "training", ("",), ("",), ("",)),
    ("fal-ai/clarity-upscaler", "upscale", ("",), ("",), ("",)),
    ("fal-ai/esrgan", "upscale", ("",), ("",), ("",)),
    ("fal-ai/aura-sr", "upscale", ("",), ("",), ("",)),
    ("fal-ai/creative-upscaler", "upscale", ("",), ("",), ("",)),
    ("fal-ai/seedvr/upscale", "upscale", ("image", "video"), ("",), ("",)),
    ("fal-ai/topaz/upscale", "upscale", ("image", "video"), ("",), ("",)),
)

# Always in the catalogue (when it is big enough), priced, active and among the used ones.
WELL_KNOWN = (
    "fal-ai/flux/dev",
    "fal-ai/flux/schnell",
    "fal-ai/flux-pro/v1.1-ultra",
    "fal-ai/kling-video/v2/pro/text-to-video",
    "fal-ai/veo3",
    "fal-ai/elevenlabs/tts/multilingual-v2",
    "fal-ai/whisper",
    "fal-ai/any-llm",
)
# endpoint_id -> (unit, unit price in micro-USD, units per successful request in hundredths)
WELL_KNOWN_PRICES = {
    "fal-ai/flux/dev": ("megapixels", 25_000, 100),
    "fal-ai/flux/schnell": ("megapixels", 3_000, 100),
    "fal-ai/flux-pro/v1.1-ultra": ("image", 60_000, 100),
    "fal-ai/kling-video/v2/pro/text-to-video": ("second", 280_000, 500),
    "fal-ai/veo3": ("second", 750_000, 800),
    "fal-ai/elevenlabs/tts/multilingual-v2": ("1000 characters", 100_000, 100),
    "fal-ai/whisper": ("compute seconds", 1_100, 420),
    "fal-ai/any-llm": ("1m tokens", 2_500_000, 2),
}
DISPLAY_NAMES = {"fal-ai/flux/dev": "FLUX.1 [dev]", "fal-ai/flux/schnell": "FLUX.1 [schnell]"}

CATEGORY_OF_SEGMENT = {
    "text-to-image": "text-to-image",
    "image-to-image": "image-to-image", "inpainting": "image-to-image", "inpaint": "image-to-image",
    "redux": "image-to-image", "edit": "image-to-image", "remix": "image-to-image",
    "text-to-video": "text-to-video",
    "image-to-video": "image-to-video", "reference-to-video": "image-to-video",
    "video-to-video": "video-to-video", "lipsync": "video-to-video", "extend": "video-to-video",
    "modify": "video-to-video",
    "text-to-speech": "text-to-speech", "tts": "text-to-speech", "voice-clone": "text-to-speech",
    "speech-to-text": "speech-to-text", "transcribe": "speech-to-text",
    "text-to-audio": "audio", "audio-to-audio": "audio", "sound-effects": "audio",
    "music": "audio", "video-to-audio": "audio", "audio-isolation": "audio", "dubbing": "audio",
    "chat": "llm", "vision": "vision",
    "text-to-3d": "3d", "image-to-3d": "3d", "multiview-to-3d": "3d",
    "upscale": "upscale", "video-upscale": "upscale",
    "training": "training", "lora-training": "training",
    "object-detection": "vision", "caption": "vision", "segmentation": "vision",
}

# Filler ids once the families run out: owner/stem-kind/version/task
OWNERS = ("fal-ai", "bria", "easel-ai", "half-moon-ai", "decart", "moonvalley", "lightricks",
          "bytedance", "alibaba", "tencent", "stepfun-ai", "krea", "veed", "argil", "mirelo-ai",
          "cassetteai", "sonauto", "beatoven", "resemble-ai", "clarityai", "vidu", "pika")
STEMS = ("nova", "aurora", "lumen", "pixel", "canvas", "echo", "vortex", "prism", "flare", "drift",
         "atlas", "comet", "ember", "halo", "iris", "jade", "kite", "lyra", "mosaic", "nimbus",
         "onyx", "pulse", "quartz", "ripple", "sage", "tide", "umbra", "vista", "wisp", "zenith")
KINDS = (
    ("image", ("text-to-image", "image-to-image", "edit", "inpainting")),
    ("video", ("text-to-video", "image-to-video", "video-to-video", "reference-to-video")),
    ("voice", ("text-to-speech", "speech-to-text", "voice-clone")),
    ("sound", ("text-to-audio", "video-to-audio", "music")),
    ("chat", ("chat", "vision")),
    ("mesh", ("text-to-3d", "image-to-3d")),
    ("sr", ("upscale", "video-upscale")),
    ("tune", ("training", "lora-training")),
    ("detect", ("object-detection", "caption", "segmentation")),
)
VERSIONS = ("v1", "v1.5", "v2", "v2.1", "v3")

# unit -> (unit prices in micro-USD, units per successful request in hundredths, fractional?)
UNITS: dict[str, tuple[tuple[int, ...], tuple[int, ...], bool]] = {
    "image": ((3_000, 4_000, 15_000, 25_000, 35_000, 40_000, 50_000, 80_000),
              (100, 100, 100, 200, 400), False),
    "megapixels": ((10_000, 25_000, 30_000, 50_000), (100, 100, 200, 400), False),
    "processed megapixels": ((1_000, 2_000, 3_000), (100, 200, 400, 800), False),
    "video": ((200_000, 350_000, 450_000, 500_000, 800_000, 1_200_000), (100,), False),
    "second": ((28_000, 50_000, 70_000, 100_000, 112_000, 280_000), (412, 500, 637, 800, 1000),
               True),
    "video seconds": ((10_000, 20_000, 45_000), (500, 813, 1000), True),
    "1000 characters": ((20_000, 50_000, 100_000, 300_000), (100, 100, 200, 300), False),
    "1m tokens": ((150_000, 600_000, 2_500_000, 10_000_000), (1, 2, 3, 5), True),
    "compute seconds": ((170, 400, 550, 1_100, 1_500), (150, 420, 1210, 4000), True),
    "requests": ((1_000, 2_000, 5_000, 10_000), (100,), False),
}

# category -> units it is billed in (repeats weight the draw)
CATEGORY_UNITS: dict[str, tuple[str, ...]] = {
    "text-to-image": ("image", "image", "image", "megapixels", "compute seconds"),
    "image-to-image": ("image", "image", "megapixels"),
    "text-to-video": ("video", "second", "second"),
    "image-to-video": ("video", "second", "second"),
    "video-to-video": ("second", "video seconds"),
    "text-to-speech": ("1000 characters",),
    "speech-to-text": ("second", "compute seconds"),
    "audio": ("second", "requests"),
    "llm": ("1m tokens",),
    "vision": ("requests", "image"),
    "3d": ("requests",),
    "training": ("compute seconds", "requests"),
    "upscale": ("megapixels", "processed megapixels", "video seconds"),
}

DESCRIPTIONS = {
    "text-to-image": "Generate images from text prompts with {}.",
    "image-to-image": "Edit and transform images with {}.",
    "text-to-video": "Create videos from text prompts with {}.",
    "image-to-video": "Animate still images into video with {}.",
    "video-to-video": "Restyle, extend or edit videos with {}.",
    "text-to-speech": "Turn text into natural speech with {}.",
    "speech-to-text": "Transcribe speech to text with {}.",
    "audio": "Generate music and sound with {}.",
    "llm": "Chat and text generation with {}.",
    "vision": "Understand images: captions, detection and segmentation with {}.",
    "3d": "Build 3D assets from text or images with {}.",
    "training": "Train custom LoRA weights with {}.",
    "upscale": "Upscale images and video with {}.",
}
TAGS = ("fast", "pro", "lora", "turbo", "open-source", "realism", "stylized", "high-quality",
        "commercial-use", "new")
# fmt: on
