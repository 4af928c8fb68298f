using System.Globalization;
using System.Text;

namespace Relay.Simulator;

/// <summary>
/// Builds chunk JSON the way OpenRouter writes it in 2026 (reference §3.2-§3.4: key order id, object, created,
/// model, provider, choices; compact; non-ASCII as raw UTF-8; role on every delta). The constant prefix is
/// built once per stream.
/// </summary>
internal sealed class ChunkFormatter(SimulatedModel model, string id, long created)
{
    private readonly string _prefix =
        $"{{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"created\":{created.ToString(CultureInfo.InvariantCulture)},\"model\":\"{model.Id}\",\"provider\":\"{model.Provider}\",";

    public string Content(string text) =>
        _prefix + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + Json(text) + ",\"role\":\"assistant\"},\"finish_reason\":null,\"native_finish_reason\":null}]}";

    public string Reasoning(string text) =>
        _prefix + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\",\"role\":\"assistant\",\"reasoning\":" + Json(text) +
        ",\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":" + Json(text) + ",\"format\":\"unknown\",\"index\":0}]},\"finish_reason\":null,\"native_finish_reason\":null}]}";

    public string ToolCallStart(string callId, string name) =>
        _prefix + "\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":" + Json(callId) +
        ",\"type\":\"function\",\"function\":{\"name\":" + Json(name) + ",\"arguments\":\"\"}}]},\"finish_reason\":null,\"native_finish_reason\":null}]}";

    public string ToolCallArguments(string fragment) =>
        _prefix + "\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + Json(fragment) +
        "}}]},\"finish_reason\":null,\"native_finish_reason\":null}]}";

    public string Finish(string reason, string native, string? usage = null) =>
        _prefix + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\",\"role\":\"assistant\"},\"finish_reason\":\"" + reason + "\",\"native_finish_reason\":\"" + native + "\"}]" +
        (usage is null ? "}" : ",\"usage\":" + usage + "}");

    /// <summary>Usage variant A: a separate chunk with a choice whose finish reason is null.</summary>
    public string UsageA(string usage) =>
        _prefix + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\",\"role\":\"assistant\"},\"finish_reason\":null,\"native_finish_reason\":null}],\"usage\":" + usage + "}";

    /// <summary>Usage variant B: empty choices.</summary>
    public string UsageB(string usage) => _prefix + "\"choices\":[],\"usage\":" + usage + "}";

    /// <summary>The five mid-stream error shapes of reference §5.2.</summary>
    public string Error(char shape, int code) => shape switch
    {
        'a' => _prefix + $"\"error\":{{\"code\":{code},\"message\":\"Simulated upstream error\",\"metadata\":{{\"error_type\":\"server\"}}}},\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"\"}},\"finish_reason\":\"error\"}}]}}",
        'b' => _prefix + $"\"choices\":[{{\"index\":0,\"finish_reason\":\"error\",\"native_finish_reason\":\"error\",\"error\":{{\"message\":\"Error processing stream\",\"code\":{code},\"metadata\":{{\"provider_name\":\"{model.Provider}\",\"raw\":{{\"retryable\":true}}}}}},\"delta\":{{\"role\":\"assistant\",\"content\":\"\"}}}}]}}",
        'c' => $"{{\"error\":{{\"message\":\"Simulated upstream error\",\"code\":{code}}}}}",
        'd' => _prefix + "\"choices\":[],\"error\":{\"code\":\"server_error\",\"message\":\"Worker local total request limit reached\"}}",
        _ => Finish("stop", "network_error"),
    };

    /// <summary>A JSON string: quotes, backslashes and control characters escaped, everything else raw UTF-8.</summary>
    public static string Json(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ': sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"').ToString();
    }

    public static string Usage(SimulatedModel model, int promptTokens, int completionTokens, int reasoningTokens)
    {
        var promptCost = promptTokens * model.PromptPrice;
        var completionCost = completionTokens * model.CompletionPrice;
        var cost = (promptCost + completionCost).ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"prompt_tokens\":{promptTokens},\"completion_tokens\":{completionTokens},\"total_tokens\":{promptTokens + completionTokens},\"cost\":{cost},\"is_byok\":false," +
            $"\"prompt_tokens_details\":{{\"cached_tokens\":0,\"cache_write_tokens\":0,\"audio_tokens\":0,\"video_tokens\":0}}," +
            $"\"cost_details\":{{\"upstream_inference_cost\":{cost},\"upstream_inference_prompt_cost\":{promptCost.ToString(CultureInfo.InvariantCulture)},\"upstream_inference_completions_cost\":{completionCost.ToString(CultureInfo.InvariantCulture)}}}," +
            $"\"completion_tokens_details\":{{\"reasoning_tokens\":{reasoningTokens},\"image_tokens\":0,\"audio_tokens\":0}}}}");
    }
}
