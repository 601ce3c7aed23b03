// Where the procedures feature's routes join the app (one line in routes.swift).
import Vapor

enum ProceduresRoutes {
    static func add(open: any RoutesBuilder, signedIn: any RoutesBuilder, openAPI: any RoutesBuilder, signedInAPI: any RoutesBuilder, config: AppConfig) {
        ProceduresWeb().addRoutes(open: open, signedIn: signedIn)
        ProceduresAPI().addRoutes(open: openAPI, signedIn: signedInAPI)
        QuestionsRoutes().addRoutes(open: open, signedIn: signedIn, openAPI: openAPI, api: signedInAPI)
        MyProceduresRoutes().addRoutes(open: open, signedIn: signedIn)
        MyProceduresAPI().addRoutes(openAPI: openAPI, api: signedInAPI)
        ConfirmRoutes().addRoutes(open: open, openAPI: openAPI)
        AppointmentsRoutes().addRoutes(open: open, signedIn: signedIn, openAPI: openAPI, api: signedInAPI)
        // Up to three times the papers limit is read, so a too-large file is answered with a message naming the field.
        DossiersRoutes().addRoutes(signedIn: signedIn, api: signedInAPI)
        PapersRoutes(maxBody: (config.papersMaxMB * 3 + 1) * 1_048_576).addRoutes(open: open, signedIn: signedIn, openAPI: openAPI, api: signedInAPI)
    }
}
