namespace Relay.Simulator;

/// <summary>The usage-chunk variants OpenRouter has sent over time (reference §3.5).</summary>
public enum UsageShape
{
    /// <summary>A separate chunk with a non-empty choice and a null finish reason.</summary>
    A,

    /// <summary>OpenAI style: a chunk with empty choices.</summary>
    B,

    /// <summary>The finish chunk sent twice, the second with usage.</summary>
    C,

    /// <summary>No usage chunk at all.</summary>
    None,
}
