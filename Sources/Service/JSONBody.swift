import Datasets
import Foundation
import Hummingbird

/// Compact JSON text for responses (the Datasets serializer round-trips and keeps key order).
enum JSONBody {
    static func response(_ object: JSONObject, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: object.serialized() + "\n")))
    }
}
