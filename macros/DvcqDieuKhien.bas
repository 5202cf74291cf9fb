Attribute VB_Name = "DvcqDieuKhien"
' dvcq_xl - cac nut cua So dieu khien (So Noi vu): Tao mau, Tong hop, Xuat bao cao.
' Moi nut goi mot ham Python trong dvcq_xl.excel qua xlwings (RunPython); ham doc trang
' "Cai dat" va "Danh sach", goi thu vien va ghi trang "Ket qua - ..." co duong dan mo tep.
Option Explicit

Public Sub TaoMau()
    RunPython "import dvcq_xl.excel as dvcq; dvcq.make_templates()"
End Sub

Public Sub TongHop()
    RunPython "import dvcq_xl.excel as dvcq; dvcq.consolidate_inbox()"
End Sub

Public Sub XuatBaoCao()
    RunPython "import dvcq_xl.excel as dvcq; dvcq.write_round_reports()"
End Sub
