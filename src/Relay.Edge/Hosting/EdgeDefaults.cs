namespace Relay.Edge;

/// <summary>Constants of the edge's hosting.</summary>
internal static class EdgeDefaults
{
    /// <summary>Where the edge listens unless told otherwise.</summary>
    public const string Url = "http://127.0.0.1:8787";

    /// <summary>The provider's base URL while the embedded simulator serves; the handler rewrites it.</summary>
    public const string SimulatorPlaceholder = "http://embedded-simulator/sim-base/";

    public const string SimulatorPlaceholderPath = "sim-base/";
}
