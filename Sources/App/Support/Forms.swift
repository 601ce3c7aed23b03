// What a form's select, radio or checkbox list shows: one choice, whether it is chosen, and an optional note beside it.
import Foundation

struct SelectOption: Encodable {
    var value: String
    var label: String
    var selected: Bool = false
    var note: String = ""
}
