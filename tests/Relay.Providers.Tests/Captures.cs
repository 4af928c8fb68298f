namespace Relay.Providers.Tests;

/// <summary>
/// Stream bodies as OpenRouter really sent them, from shared/reference/openrouter-streaming.md (§3.2 is a
/// byte-for-byte capture of openai/gpt-5.4-nano on 2026-04-27; the others follow §3.5-§3.7 and §5.2).
/// </summary>
public static class Captures
{
    private const string Prefix = """{"id":"gen-1777319809-KRozO9hOQbdWkZAi8Zj7","object":"chat.completion.chunk","created":1777319809,"model":"openai/gpt-5.4-nano-20260317","provider":"OpenAI",""" + "\"";

    /// <summary>§3.2, a complete real stream with usage variant C (the finish chunk, then the same with usage).</summary>
    public static readonly string RealStream =
        ": OPENROUTER PROCESSING\n\n" +
        "data: " + Prefix + """choices":[{"index":0,"delta":{"content":"Olá","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}""" + "\n\n" +
        "data: " + Prefix + """choices":[{"index":0,"delta":{"content":"!","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}""" + "\n\n" +
        "data: " + Prefix + """choices":[{"index":0,"delta":{"content":" 😊","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}""" + "\n\n" +
        "data: " + Prefix + """service_tier":"default","choices":[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"stop","native_finish_reason":"completed"}]}""" + "\n\n" +
        "data: " + Prefix + """service_tier":"default","choices":[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"stop","native_finish_reason":"completed"}],"usage":{"prompt_tokens":19,"completion_tokens":7,"total_tokens":26,"cost":0.00001255,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0,"audio_tokens":0,"video_tokens":0},"cost_details":{"upstream_inference_cost":0.00001255,"upstream_inference_prompt_cost":0.0000038,"upstream_inference_completions_cost":0.00000875},"completion_tokens_details":{"reasoning_tokens":0,"image_tokens":0,"audio_tokens":0}}}""" + "\n\n" +
        "data: [DONE]\n\n";

    public static string Chunk(string choicesAndMore) => "data: " + Prefix + choicesAndMore + "}\n\n";

    public static string Content(string text) =>
        Chunk($$"""choices":[{"index":0,"delta":{"content":"{{text}}","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]""");

    public static string Finish(string reason = "stop", string native = "completed") =>
        Chunk($$"""choices":[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"{{reason}}","native_finish_reason":"{{native}}"}]""");

    public const string UsageJson = """{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"cost":0.0001}""";

    public const string Done = "data: [DONE]\n\n";
}
