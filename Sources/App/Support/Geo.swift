// A point on the ground as latitude and longitude (WGS 84, degrees). Every point the app accepts lies inside
// Vietnam's bounding box, islands included, so a swapped pair, a zero or a typo is refused with its own message.
import Foundation

public struct GeoPoint: Sendable, Equatable, Codable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Vietnam's bounding box: mainland, the coastal islands, Hoàng Sa and Trường Sa.
    public static let latitudes: ClosedRange<Double> = 6.0...23.5
    public static let longitudes: ClosedRange<Double> = 102.0...118.0

    public var inVietnam: Bool { Self.latitudes.contains(latitude) && Self.longitudes.contains(longitude) }

    /// Reads a point typed in a form or a CSV: both blank is no point (nil), one blank or a bad number or a point
    /// outside the box is an issue on `latitude` / `longitude` (the field names given). Accepts a decimal comma.
    public static func parse(latitude lat: String?, longitude lon: String?, latField: String = "latitude",
                             lonField: String = "longitude", line: Int? = nil) -> Result<GeoPoint?, InvalidInput> {
        let a = (lat ?? "").trimmingCharacters(in: .whitespaces), b = (lon ?? "").trimmingCharacters(in: .whitespaces)
        if a.isEmpty && b.isEmpty { return .success(nil) }
        var issues: [FieldIssue] = []
        func number(_ s: String, _ field: String, _ range: ClosedRange<Double>) -> Double? {
            if s.isEmpty { issues.append(FieldIssue(field, "error.required", line: line)); return nil }
            guard s.count <= 20, let v = Double(s.replacingOccurrences(of: ",", with: ".")), v.isFinite else {
                issues.append(FieldIssue(field, "error.coordinate", line: line)); return nil
            }
            if !range.contains(v) { issues.append(FieldIssue(field, "error.outsideVietnam", line: line)); return nil }
            return v
        }
        let la = number(a, latField, latitudes), lo = number(b, lonField, longitudes)
        guard let la, let lo else { return .failure(InvalidInput(issues)) }
        return .success(GeoPoint(latitude: la, longitude: lo))
    }

    /// Checks a point that arrived as JSON numbers.
    public func check(latField: String = "latitude", lonField: String = "longitude") -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if !(latitude.isFinite && Self.latitudes.contains(latitude)) { issues.append(FieldIssue(latField, "error.outsideVietnam")) }
        if !(longitude.isFinite && Self.longitudes.contains(longitude)) { issues.append(FieldIssue(lonField, "error.outsideVietnam")) }
        return issues
    }

    /// Metres between two points (haversine), for "the assets near this point".
    public func metres(to other: GeoPoint) -> Double {
        let r = 6_371_000.0, rad = Double.pi / 180
        let dLat = (other.latitude - latitude) * rad, dLon = (other.longitude - longitude) * rad
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(latitude * rad) * cos(other.latitude * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, sqrt(h)))
    }
}
